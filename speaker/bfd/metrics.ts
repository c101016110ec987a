// BFD metrics behind a typed facade over a Registry the caller owns (MetalLB's names,
// `portside_` instead of `metallb_`).
import { MetricsFacade, type Registry } from '../../lib/metrics/index.ts';
import type { PacketErrorKind } from './packet.ts';

export class BfdStats extends MetricsFacade {
  readonly #up;
  readonly #input;
  readonly #output;
  readonly #upEvents;
  readonly #downEvents;
  readonly #dropped;

  constructor(registry?: Registry) {
    super(registry);
    this.#up = this.gauge('portside_bfd_session_up', 'BFD session state: 1 Up, 0 otherwise.', ['peer']);
    this.#input = this.counter('portside_bfd_control_packet_input', 'BFD control packets received and accepted by a session.', ['peer']);
    this.#output = this.counter('portside_bfd_control_packet_output', 'BFD control packets sent.', ['peer']);
    this.#upEvents = this.counter('portside_bfd_session_up_events', 'Times a BFD session went Up.', ['peer']);
    this.#downEvents = this.counter('portside_bfd_session_down_events', 'Times a BFD session left Up.', ['peer']);
    this.#dropped = this.counter(
      'portside_bfd_control_packet_dropped',
      'BFD control packets discarded: malformed (RFC 5880 §6.8.6), unknown session, or wrong TTL.',
      ['reason'],
    );
  }

  sessionAdded(peer: string): void {
    this.#up.set({ peer }, 0);
    this.#input.inc({ peer }, 0);
    this.#output.inc({ peer }, 0);
    this.#upEvents.inc({ peer }, 0);
    this.#downEvents.inc({ peer }, 0);
  }

  sessionRemoved(peer: string): void {
    for (const m of [this.#up, this.#input, this.#output, this.#upEvents, this.#downEvents]) m.remove({ peer });
  }

  controlPacketInput(peer: string): void {
    this.#input.inc({ peer });
  }

  controlPacketOutput(peer: string): void {
    this.#output.inc({ peer });
  }

  sessionUp(peer: string): void {
    this.#up.set({ peer }, 1);
    this.#upEvents.inc({ peer });
  }

  sessionDown(peer: string): void {
    this.#up.set({ peer }, 0);
    this.#downEvents.inc({ peer });
  }

  packetDropped(reason: PacketErrorKind | 'unknownSession' | 'sessionDiscard'): void {
    this.#dropped.inc({ reason });
  }
}
