// Pure tests of the resilience paths: graceful-restart OPEN and silent stop, the BFD-driven
// reset, and RFC 8326 export.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WellKnownCommunity } from './attributes/communities.ts';
import { CeaseSubcode, ErrorCode } from './errors.ts';
import { exportAttributes, gracefulShutdownRoute } from './export-policy.ts';
import { initialState, step } from './fsm.ts';
import { defaultSessionConfig } from './fsm-types.ts';
import type { FsmAction, FsmState, SessionConfig } from './fsm-types.ts';
import { buildOpen } from './negotiate.ts';
import { parseShutdownCommunication } from './notification.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';

const config: SessionConfig = { ...defaultSessionConfig, localAs: 64600, routerId: 1, peerAs: 64512, gracefulRestart: { restartTime: 120, forwarding: true } };

function established(): FsmState {
  const session = { peerAs: 64512, peerId: 2, ibgp: false, holdTime: 9, keepaliveTime: 3, fourOctetAs: true, families: [4 as const], routeRefresh: true };
  return { ...initialState(config, 1), name: 'Established', autoRestart: true, session };
}

const sent = (actions: FsmAction[]) => actions.flatMap((a) => (a.type === 'send' ? [a.message] : []));

describe('graceful restart (RFC 4724)', () => {
  it('advertises restart time and forwarding state per family; R only when restarting', () => {
    const cap = (c: SessionConfig) => buildOpen(c).capabilities.find((x) => x.kind === 'gracefulRestart');
    assert.deepEqual(cap(config), {
      kind: 'gracefulRestart', restarting: false, notification: false, restartTime: 120,
      families: [{ afi: 1, safi: 1, forwarding: true }, { afi: 2, safi: 1, forwarding: true }],
    });
    const restarting = cap({ ...config, gracefulRestart: { restartTime: 120, forwarding: true, restarting: true } });
    assert.equal(restarting?.kind === 'gracefulRestart' && restarting.restarting, true);
    assert.equal(cap({ ...config, gracefulRestart: undefined }), undefined);
  });

  it('a silent ManualStop closes without NOTIFICATION; a plain one sends Cease / Administrative Shutdown', () => {
    const silent = step(established(), { type: 'ManualStop', silent: true });
    assert.equal(silent.state.name, 'Idle');
    assert.deepEqual(sent(silent.actions), []);
    assert.ok(silent.actions.some((a) => a.type === 'close'));
    const plain = step(established(), { type: 'ManualStop', message: 'bye' });
    const [n] = sent(plain.actions);
    assert.equal(n?.type === 'notification' && `${n.code}/${n.subcode}`, `${ErrorCode.Cease}/${CeaseSubcode.AdministrativeShutdown}`);
  });
});

describe('BFD down (RFC 5882)', () => {
  it('PeerUnreachable resets an Established session with Cease / Administrative Reset and restarts after a backoff', () => {
    const { state, actions } = step(established(), { type: 'PeerUnreachable', reason: 'BFD session down' });
    assert.equal(state.name, 'Idle');
    assert.equal(state.autoRestart, true);
    const [n] = sent(actions);
    assert.ok(n?.type === 'notification');
    assert.equal(`${n.code}/${n.subcode}`, `${ErrorCode.Cease}/${CeaseSubcode.AdministrativeReset}`);
    assert.equal(parseShutdownCommunication(n), 'BFD session down');
    assert.ok(actions.some((a) => a.type === 'down'));
    assert.ok(actions.some((a) => a.type === 'startTimer' && a.timer === 'IdleHold' && a.ms >= 750));
  });

  it('is ignored before a connection exists', () => {
    for (const name of ['Idle', 'Connect', 'Active'] as const) {
      const s = { ...initialState(config, 1), name, autoRestart: true };
      assert.deepEqual(step(s, { type: 'PeerUnreachable', reason: 'x' }), { state: s, actions: [] });
    }
  });
});

describe('graceful shutdown (RFC 8326)', () => {
  const route = { prefix: mustParseCidr('203.0.113.100/32'), communities: [0xfc580064], localPref: 200 };
  const base = { localAs: 64600, nextHop4: 0xc633640an };

  it('adds GRACEFUL_SHUTDOWN; iBGP gets LOCAL_PREF 0, eBGP no LOCAL_PREF', () => {
    const ibgp = exportAttributes(gracefulShutdownRoute(route), { ...base, ibgp: true });
    assert.deepEqual(ibgp?.communities, [0xfc580064, WellKnownCommunity.GracefulShutdown]);
    assert.equal(ibgp?.localPref, 0);
    const ebgp = exportAttributes(gracefulShutdownRoute(route), { ...base, ibgp: false });
    assert.deepEqual(ebgp?.communities, [0xfc580064, WellKnownCommunity.GracefulShutdown]);
    assert.equal(ebgp?.localPref, undefined);
  });
});
