import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePortsideObject } from './index.ts';
import type { FieldError } from './index.ts';
import { INVALID_CASES, of, peer, status, VALID_EDGES } from './invalid-cases.ts';
import type { InvalidCase } from './invalid-cases.ts';
import { KINDS } from './source/index.ts';
import { celRules, runtimeRules } from './views.ts';

function errorsOf(c: InvalidCase): FieldError[] {
  const result = parsePortsideObject(c.obj, c.old ? { old: c.old } : {});
  assert.equal(result.ok, false, `${c.name}: accepted`);
  return result.ok ? [] : result.errors;
}

for (const c of INVALID_CASES) {
  test(`rejects: ${c.name}`, () => {
    const errors = errorsOf(c);
    assert.ok(
      errors.some((e) => e.path === c.field || e.message.includes(c.field)),
      `${c.name}: no error names ${c.field}: ${JSON.stringify(errors)}`,
    );
  });
}

test('every CEL rule and every runtime rule is exercised by a rejected case', () => {
  const messages = INVALID_CASES.flatMap((c) => errorsOf(c).map((e) => e.message));
  for (const source of KINDS) {
    for (const { path, rule } of [...celRules(source), ...runtimeRules(source)]) {
      assert.ok(
        messages.some((m) => m === rule.message || m.startsWith(`${rule.message}: `)),
        `${source.kind}${path}: no case triggers "${rule.message}"`,
      );
    }
  }
});

test('a case the apiserver cannot check is a runtime rule, and says why', () => {
  const runtimeMessages = KINDS.flatMap((k) => runtimeRules(k).map(({ rule }) => rule.message));
  for (const c of INVALID_CASES) {
    if (c.apiserver === undefined || !('notChecked' in c.apiserver)) continue;
    assert.match(c.apiserver.notChecked, /\S/, c.name);
    const errors = errorsOf(c).filter((e) => e.path === c.field);
    assert.ok(errors.some((e) => runtimeMessages.some((m) => e.message.startsWith(m))), `${c.name}: not a runtime rule`);
  }
});

test('transition rules allow the first write and unchanged updates', () => {
  const first = status('ServiceL2Status', {});
  assert.ok(parsePortsideObject(first, { old: of('ServiceL2Status', {}) }).ok);
  assert.ok(parsePortsideObject(first, { old: first }).ok);
  const gr = peer({ enableGracefulRestart: true });
  assert.ok(parsePortsideObject(gr, { old: gr }).ok);
  assert.ok(parsePortsideObject(peer({ enableGracefulRestart: false }), { old: peer({}) }).ok);
});

test('accepts the edges of every range', () => {
  for (const obj of VALID_EDGES) {
    const result = parsePortsideObject(obj);
    assert.ok(result.ok, JSON.stringify(result.ok ? obj : result.errors));
  }
});

test('a runtime rule names the entry it clashes with', () => {
  const result = parsePortsideObject(of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24', '198.51.100.7-198.51.100.9'] } }));
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [{
    path: 'spec.addresses[1]',
    message: 'the ranges of one pool must not overlap: "198.51.100.7-198.51.100.9" overlaps "198.51.100.0/24" ([0])',
  }]);
});
