import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type LabelSelector, canonicalSelector, matchesAnySelector, matchesSelector } from './selector.ts';

const labels = { app: 'web', tier: 'front', 'portside.dev/zone': 'a' };

test('matchesSelector: matchLabels and every operator', () => {
  const cases: Array<[LabelSelector, boolean]> = [
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchLabels: { app: 'web', missing: '' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['back', 'front'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'In', values: ['x'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['back'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'NotIn', values: ['x'] }] }, true],
    [{ matchExpressions: [{ key: 'portside.dev/zone', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'nope', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, false],
  ];
  for (const [sel, want] of cases) assert.equal(matchesSelector(sel, labels), want, JSON.stringify(sel));
  assert.equal(matchesSelector({}, undefined), true);
  assert.equal(matchesSelector({ matchLabels: { toString: 'x' } }, {}), false);
});

test('matchesAnySelector: any one selector suffices; none given matches nothing', () => {
  assert.equal(matchesAnySelector([], labels), false);
  assert.equal(matchesAnySelector([{ matchLabels: { app: 'db' } }, { matchLabels: { app: 'web' } }], labels), true);
});

test('canonicalSelector: order, repeats and matchLabels/In spelling do not matter', () => {
  const a: LabelSelector = {
    matchLabels: { b: '2', a: '1' },
    matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x', 'x'] }, { key: 'd', operator: 'Exists' }],
  };
  const b: LabelSelector = {
    matchExpressions: [
      { key: 'd', operator: 'Exists' },
      { key: 'c', operator: 'In', values: ['x', 'y'] },
      { key: 'a', operator: 'In', values: ['1'] },
    ],
    matchLabels: { b: '2' },
  };
  assert.equal(canonicalSelector(a), canonicalSelector(b));
  assert.equal(canonicalSelector(a), 'a in (1),b in (2),c in (x,y),d');
  assert.equal(canonicalSelector({}), '');
  assert.notEqual(canonicalSelector({ matchLabels: { a: '1' } }), canonicalSelector({ matchLabels: { a: '2' } }));
  assert.notEqual(
    canonicalSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }),
    canonicalSelector({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }),
  );
});

test('canonicalSelector is invariant under shuffling expressions (property)', () => {
  const req = fc.record({
    key: fc.constantFrom('a', 'b', 'c'),
    operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
    values: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
  });
  fc.assert(fc.property(fc.array(req, { maxLength: 5 }), fc.integer(), (reqs, seed) => {
    const shuffled = [...reqs].sort((p, q) => ((JSON.stringify(p).length * seed) % 7) - ((JSON.stringify(q).length * seed) % 7));
    assert.equal(canonicalSelector({ matchExpressions: reqs }), canonicalSelector({ matchExpressions: shuffled }));
  }));
});
