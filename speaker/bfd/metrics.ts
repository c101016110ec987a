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
  readonly #echoInput;
  readonly #echoOutput;
  readonly #notifications;

  constructor(registry?: Registry) {
    super(registry);
    this.#up = this.gauge('portside_bfd_session_up', 'BFD session state: 1 Up, 0 otherwise.', ['peer']);
    this.#input = this.counter('portside_bfd_control_packet_input', 'BFD control packets received and accepted by a session.', ['peer']);
    this.#output = this.counter('portside_bfd_control_packet_output', 'BFD control packets sent.', ['peer']);
    this.#upEvents = this.counter('portside_bfd_session_up_events', 'Times a BFD session went Up.', ['peer']);
    this.#downEvents = this.counter('portside_bfd_session_down_events', 'Times a BFD session left Up.', ['peer']);
    // MetalLB's FRR mode exports echo counters; echo mode is refused by the native speaker, so
    // they stay 0, as FRR's do without echo mode.
    this.#echoInput = this.counter('portside_bfd_echo_packet_input', 'BFD echo packets received (0: echo mode is not run by the native speaker).', ['peer']);
    this.#echoOutput = this.counter('portside_bfd_echo_packet_output', 'BFD echo packets sent (0: echo mode is not run by the native speaker).', ['peer']);
    this.#notifications = this.counter(
      'portside_bfd_client_notifications',
      'BFD state changes reported to the session\'s client, the BGP session (FRR: zebra_notifications).',
      ['peer'],
    );
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
    this.#echoInput.inc({ peer }, 0);
    this.#echoOutput.inc({ peer }, 0);
    this.#notifications.inc({ peer }, 0);
  }

  sessionRemoved(peer: string): void {
    for (const m of [this.#up, this.#input, this.#output, this.#upEvents, this.#downEvents, this.#echoInput, this.#echoOutput, this.#notifications]) {
      m.remove({ peer });
    }
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

  /** The session told its client (BGP) of a state change. */
  stateNotified(peer: string): void {
    this.#notifications.inc({ peer });
  }

  packetDropped(reason: PacketErrorKind | 'unknownSession' | 'sessionDiscard'): void {
    this.#dropped.inc({ reason });
  }
}
