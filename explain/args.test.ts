import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExplainArgs } from './args.ts';

const q = (command: string, argv: string[], env: Record<string, string> = {}) => {
  const r = parseExplainArgs(command, argv, env);
  return r.ok === true ? r.args : r;
};

test('the ways to name a Service, as users and kubectl plugins type them', () => {
  const cases: [string[], unknown][] = [
    [['service', 'shop/web'], { what: 'service', namespace: 'shop', name: 'web' }],
    [['svc/web'], { what: 'service', namespace: undefined, name: 'web' }],
    [['svc/web', '-n', 'shop'], { what: 'service', namespace: 'shop', name: 'web' }],
    [['svc', 'web', '--namespace', 'shop'], { what: 'service', namespace: 'shop', name: 'web' }],
    [['svc/shop/web'], { what: 'service', namespace: 'shop', name: 'web' }],
    [['pool', 'default'], { what: 'pool', name: 'default' }],
    [['ipaddresspool/default'], { what: 'pool', name: 'default' }],
  ];
  for (const [argv, question] of cases) {
    const r = q('explain', argv);
    assert.ok('question' in r, argv.join(' '));
    assert.deepEqual(r.question, question, argv.join(' '));
  }
  assert.deepEqual(q('status', []), { question: { what: 'status' }, output: 'text', kubeconfig: undefined, portsideNamespace: 'portside-system' });
});

test('flags: -o json, --kubeconfig, the Portside namespace from the flag or $PORTSIDE_NAMESPACE', () => {
  const r = q('explain', ['svc/web', '-o', 'json', '--kubeconfig', '/k', '--portside-namespace', 'lb'], { PORTSIDE_NAMESPACE: 'env' });
  assert.ok('output' in r);
  assert.deepEqual([r.output, r.kubeconfig, r.portsideNamespace], ['json', '/k', 'lb']);
  const e = q('status', [], { PORTSIDE_NAMESPACE: 'env' });
  assert.ok('portsideNamespace' in e && e.portsideNamespace === 'env');
  assert.deepEqual(parseExplainArgs('status', ['--help'], {}), { ok: 'help' });
});

test('usage errors are one line each', () => {
  const cases: [string, string[], RegExp][] = [
    ['explain', [], /say what to explain/],
    ['explain', ['deployment/web'], /cannot explain "deployment"/],
    ['explain', ['svc/shop/web', '-n', 'other'], /-n other contradicts shop\/web/],
    ['explain', ['svc/web', '-o', 'yaml'], /--output must be text or json/],
    ['explain', ['svc/web', '--nope'], /nope/],
    ['status', ['extra'], /takes no arguments/],
  ];
  for (const [command, argv, re] of cases) {
    const r = parseExplainArgs(command, argv, {});
    assert.ok(r.ok === false, argv.join(' '));
    assert.match(r.error, re);
  }
});
