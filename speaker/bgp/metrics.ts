// Typed metrics of the BGP speaker, over the speaker's private registry.
import { MetricsFacade } from '../../lib/metrics/index.ts';
import type { BgpMessage } from './message.ts';

export type Direction = 'sent' | 'received';
export type MessageTypeName = BgpMessage['type'];

export class BgpStats extends MetricsFacade {
  private readonly up = this.gauge('portside_bgp_session_up', 'BGP session with the peer is Established (1) or not (0).', ['peer']);
  private readonly updates = this.counter('portside_bgp_updates_total', 'BGP UPDATE messages sent to / received from the peer.', ['peer', 'direction']);
  private readonly announced = this.gauge('portside_bgp_announced_prefixes_total', 'Prefixes the peer holds from us.', ['peer']);
  private readonly pending = this.gauge('portside_bgp_pending_prefixes_total', 'Prefixes we want to announce to the peer but have not (session down, no next hop of the family).', ['peer']);
  private readonly restarting = this.gauge(
    'portside_bgp_graceful_restart_pending',
    'This speaker restarted (RFC 4724 Restart State bit) and has not yet sent the peer its routes and End-of-RIB (1); the peer still forwards on our stale routes meanwhile.',
    ['peer'],
  );
  private readonly notifications = this.counter(
    'portside_bgp_notifications_total',
    'BGP NOTIFICATION messages sent to / received from the peer.',
    ['peer', 'direction', 'code', 'subcode'],
  );

  private readonly messages = this.counter(
    'portside_bgp_messages_total',
    'BGP messages sent to / received from the peer, by type (open, update, notification, keepalive, route_refresh): FRR\'s per-neighbor counters.',
    ['peer', 'direction', 'type'],
  );
  private readonly socketErrors = this.counter(
    'portside_bgp_socket_errors_total',
    'Errors the TCP connections to the peer reported (connect failures, resets), by errno code.',
    ['peer', 'code'],
  );
  /** Peers whose session is Established now: only those hold anything we sent. */
  private readonly established = new Set<string>();
  /** The last counts reported per peer, to re-split them when the session goes up or down. */
  private readonly lastPrefixes = new Map<string, { announced: number; pending: number }>();
  /** Codes seen per peer, so removePeer can drop their series. */
  private readonly socketErrorCodes = new Map<string, Set<string>>();

  private readonly bfdTeardown = this.histogram(
    'portside_bfd_down_to_teardown_seconds',
    'Time from a BFD session leaving Up to its BGP session being torn down (routes withdrawn at the peer).',
    [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    ['peer'],
  );

  sessionUp(peer: string, up: boolean): void {
    this.up.set({ peer }, up ? 1 : 0);
    if (up) this.established.add(peer);
    else this.established.delete(peer);
    // Up or down, a new session state starts with nothing sent on it (the Adj-RIB-Out resets at Established).
    const last = this.lastPrefixes.get(peer);
    if (last) this.prefixes(peer, 0, last.announced + last.pending);
  }

  updateMessages(peer: string, direction: Direction, messages = 1): void {
    this.updates.inc({ peer, direction }, messages);
  }

  /**
   * What the session's Adj-RIB-Out says was sent and is still to send. While the session is
   * not Established the peer holds nothing of ours: announced is 0 and everything is pending
   * (the Adj-RIB-Out only forgets what it sent when the next session comes up).
   */
  prefixes(peer: string, announced: number, pending: number): void {
    this.lastPrefixes.set(peer, { announced, pending });
    const up = this.established.has(peer);
    this.announced.set({ peer }, up ? announced : 0);
    this.pending.set({ peer }, up ? pending : announced + pending);
  }

  restartPending(peer: string, pending: boolean): void {
    this.restarting.set({ peer }, pending ? 1 : 0);
  }

  /** One message of `type` on any connection to the peer (collision connections count too, as in FRR). */
  message(peer: string, direction: Direction, type: MessageTypeName): void {
    this.messages.inc({ peer, direction, type: type === 'routeRefresh' ? 'route_refresh' : type });
  }

  notification(peer: string, direction: Direction, code: number, subcode: number): void {
    this.notifications.inc({ peer, direction, code: String(code), subcode: String(subcode) });
  }

  /** A live connection to the peer failed with `code` (ECONNRESET, ETIMEDOUT, …; 'unknown' without one). */
  socketError(peer: string, code = 'unknown'): void {
    this.socketErrors.inc({ peer, code });
    let codes = this.socketErrorCodes.get(peer);
    if (!codes) this.socketErrorCodes.set(peer, (codes = new Set()));
    codes.add(code);
  }

  bfdDownToTeardown(peer: string, seconds: number): void {
    this.bfdTeardown.observe({ peer }, seconds);
  }

  /** The peer is gone from the configuration: drop its series. */
  removePeer(peer: string): void {
    this.established.delete(peer);
    this.lastPrefixes.delete(peer);
    this.up.remove({ peer });
    this.restarting.remove({ peer });
    this.announced.remove({ peer });
    this.pending.remove({ peer });
    this.bfdTeardown.remove({ peer });
    for (const direction of ['sent', 'received'] as const) {
      this.updates.remove({ peer, direction });
      for (const type of ['open', 'update', 'notification', 'keepalive', 'route_refresh']) this.messages.remove({ peer, direction, type });
    }
    for (const code of this.socketErrorCodes.get(peer) ?? []) this.socketErrors.remove({ peer, code });
    this.socketErrorCodes.delete(peer);
  }
}
