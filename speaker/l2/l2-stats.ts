// Metrics of layer-2 announcing behind a typed facade (MetalLB's names, portside_ prefix).
// The responder depends on the L2Counters port; tests pass a recording fake.
import { MetricsFacade, type Registry } from '../../lib/metrics/index.ts';

export type L2IgnoreReason = string;

export interface L2Counters {
  /** An ARP request or Neighbor Solicitation for an IP we announce. */
  requestReceived(ip: string): void;
  responseSent(ip: string): void;
  gratuitousSent(ip: string): void;
  /** A frame dropped: undecodable (the decoder's reason), not for us ('not-owned'), etc. */
  ignored(reason: L2IgnoreReason): void;
  /** Another MAC claimed an IP we announce, and what we did about it. */
  conflict(ip: string, outcome: string): void;
}

export class L2Stats extends MetricsFacade implements L2Counters {
  readonly #requests = this.counter('portside_speaker_l2_requests_received_total', 'ARP requests and Neighbor Solicitations received for an announced IP', ['ip']);
  readonly #responses = this.counter('portside_speaker_l2_responses_sent_total', 'ARP replies and Neighbor Advertisements sent', ['ip']);
  readonly #gratuitous = this.counter('portside_speaker_l2_gratuitous_sent_total', 'Gratuitous ARP and unsolicited NA sent', ['ip']);
  readonly #ignored = this.counter('portside_speaker_l2_frames_ignored_total', 'Frames dropped without an answer', ['reason']);
  readonly #conflicts = this.counter('portside_speaker_l2_conflicts_total', 'Claims of an announced IP by another MAC', ['ip', 'outcome']);

  /** Children by label value: a flood counts every frame, and prom-client hashes the labels on each inc. */
  readonly #requestsOf = this.childrenOf(this.#requests, 'ip');
  readonly #responsesOf = this.childrenOf(this.#responses, 'ip');
  readonly #ignoredOf = this.childrenOf(this.#ignored, 'reason');

  constructor(registry?: Registry) {
    super(registry);
  }

  requestReceived(ip: string): void {
    this.#requestsOf(ip).inc();
  }

  responseSent(ip: string): void {
    this.#responsesOf(ip).inc();
  }

  gratuitousSent(ip: string): void {
    this.#gratuitous.inc({ ip });
  }

  ignored(reason: L2IgnoreReason): void {
    this.#ignoredOf(reason).inc();
  }

  conflict(ip: string, outcome: string): void {
    this.#conflicts.inc({ ip, outcome });
  }
}

