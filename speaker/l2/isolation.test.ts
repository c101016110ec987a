import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONNECTED, mayAnswer, nextIsolation, type Isolation, type IsolationView } from './isolation.ts';

const view = (over: Partial<IsolationView>): IsolationView => ({ now: 1000, watched: 2, heard: 2, alive: 2, hadPeers: true, waitMs: 150, ...over });

test('losing every peer makes a speaker quiet; one still heard keeps it connected', () => {
  assert.equal(nextIsolation(CONNECTED, view({ heard: 1, alive: 1 })), CONNECTED);
  const quiet = nextIsolation(CONNECTED, view({ heard: 0, alive: 0 }));
  assert.deepEqual(quiet, { phase: 'quiet', since: 1000 });
  assert.equal(mayAnswer(quiet), false);
  assert.equal(mayAnswer(CONNECTED), true);
});

test('a start that hears nobody, or a single-node cluster, is never quiet', () => {
  assert.equal(nextIsolation(CONNECTED, view({ heard: 0, alive: 0, hadPeers: false })), CONNECTED);
  assert.equal(nextIsolation({ phase: 'quiet', since: 0 }, view({ watched: 0, heard: 0, alive: 0 })), CONNECTED);
});

test('the partition heals: a heard peer keeps us quiet until it is alive, then connected', () => {
  let s: Isolation = { phase: 'quiet', since: 1000 };
  s = nextIsolation(s, view({ now: 2000, heard: 1, alive: 0, frameAt: 1990 }));
  assert.deepEqual(s, { phase: 'quiet', since: 1000 }, 'rising peers: no sole-survivor evidence counts');
  s = nextIsolation(s, view({ now: 2200, heard: 2, alive: 1 }));
  assert.equal(s, CONNECTED);
});

test('the segment carries frames and no peer speaks for waitMs: sole survivor, answers', () => {
  let s: Isolation = { phase: 'quiet', since: 1000 };
  s = nextIsolation(s, view({ now: 1500, heard: 0, alive: 0, frameAt: 900 }));
  assert.deepEqual(s, { phase: 'quiet', since: 1000 }, 'a frame from before the loss proves nothing');
  s = nextIsolation(s, view({ now: 1500, heard: 0, alive: 0, frameAt: 1500 }));
  assert.deepEqual(s, { phase: 'quiet', since: 1000, evidenceAt: 1500 });
  s = nextIsolation(s, view({ now: 1600, heard: 0, alive: 0 }));
  assert.equal(s.phase, 'quiet', 'not yet: a healed segment brings a heartbeat within the wait');
  s = nextIsolation(s, view({ now: 1650, heard: 0, alive: 0 }));
  assert.deepEqual(s, { phase: 'alone', since: 1650 });
  assert.equal(mayAnswer(s), true);
  assert.equal(nextIsolation(s, view({ now: 1700, heard: 1, alive: 0 })), s, 'heard but not risen: still alone');
  assert.equal(nextIsolation(s, view({ now: 1800, heard: 1, alive: 1 })), CONNECTED);
});
