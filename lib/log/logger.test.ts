import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, isLogLevel } from './logger.ts';

function memory(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

test('every line carries component, event, level name and time', () => {
  const mem = memory();
  const log = createLogger({ component: 'controller', level: 'debug', destination: mem.stream });
  log.info('service_allocated', { service: 'ns/a', ip: '198.51.100.1', msg: 'allocated' });
  log.child({ pool: 'default' }).warn('pool_exhausted');
  log.error('reconcile_failed', { err: new Error('boom') });
  log.trace('too_chatty');
  const lines = mem.lines();
  assert.equal(lines.length, 3);
  for (const l of lines) {
    assert.equal(l.component, 'controller');
    assert.equal(typeof l.event, 'string');
    assert.equal(typeof l.time, 'string');
  }
  assert.equal(lines[0]?.level, 'info');
  assert.equal(lines[0]?.msg, 'allocated');
  assert.equal(lines[0]?.ip, '198.51.100.1');
  assert.equal(lines[1]?.pool, 'default');
  assert.equal((lines[2]?.err as { message?: string }).message, 'boom');
});

test('the event key cannot be overridden by fields', () => {
  const mem = memory();
  const log = createLogger({ component: 'speaker', destination: mem.stream });
  log.info('real_event', { event: 'spoofed' });
  assert.equal(mem.lines()[0]?.event, 'real_event');
});

test('isLogLevel accepts pino level names only', () => {
  assert.ok(isLogLevel('debug'));
  assert.ok(!isLogLevel('verbose'));
});
