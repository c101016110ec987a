import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BfdProfile } from '../../lib/config/index.ts';
import type { BfdManager } from '../bfd/manager.ts';
import { BfdLink } from './bfd-link.ts';

const profile = (over: Partial<BfdProfile> = {}): BfdProfile => ({
  name: 'p', receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, echoIntervalMs: 50, echoMode: false, passiveMode: false, minimumTtl: 254, ...over,
});

test('downAfterMs: when a router has surely found a silent session of ours down (detection and one interval), by the peer\'s profile', () => {
  // configure() of a new peer makes no session: the manager is not reached.
  const link = new BfdLink({ bfd: {} as BfdManager, reset: () => undefined });
  link.configure('a', profile());
  link.configure('b', profile({ transmitIntervalMs: 100, receiveIntervalMs: 250, detectMultiplier: 5 }));
  link.configure('c', profile({ echoMode: true }));
  assert.equal(link.downAfterMs('a'), 1200);
  assert.equal(link.downAfterMs('b'), 1500, 'the slower interval counts');
  assert.equal(link.downAfterMs('c'), undefined, 'an unusable profile: no BFD session, nothing to wait for');
  assert.equal(link.downAfterMs('none'), undefined);
});
