import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerLimiter } from './answer-limit.ts';

test('a source gets its burst, then its rate', () => {
  const limiter = new AnswerLimiter({ ratePerSecond: 10, burst: 3, maxSources: 10 });
  const at0 = Array.from({ length: 5 }, () => limiter.allow('a', 0));
  assert.deepEqual(at0, [true, true, true, false, false]);
  assert.equal(limiter.allow('a', 50), false, 'half a token after 50 ms');
  assert.equal(limiter.allow('a', 100), true, 'one token after 100 ms');
  assert.equal(limiter.allow('a', 100), false);
  assert.equal(limiter.allow('a', 10_000), true, 'refilled');
  assert.deepEqual(Array.from({ length: 3 }, () => limiter.allow('a', 10_000)), [true, true, false], 'never more than the burst');
});

test('sources are limited apart: a flooding one never holds back another', () => {
  const limiter = new AnswerLimiter({ ratePerSecond: 10, burst: 2, maxSources: 10 });
  for (let i = 0; i < 1000; i++) limiter.allow('flood', i);
  assert.equal(limiter.allow('client', 1000), true);
  assert.equal(limiter.allow('client', 1000), true);
});

test('a flood answered at line rate from one source gets about rate × seconds', () => {
  const limiter = new AnswerLimiter({ ratePerSecond: 10, burst: 10, maxSources: 10 });
  let answered = 0;
  for (let ms = 0; ms < 3000; ms += 0.1) if (limiter.allow('flood', ms)) answered++;
  assert.ok(answered >= 39 && answered <= 41, `${answered} answers in 3 s`);
});

test('the table is bounded: the source heard least recently is forgotten first', () => {
  const limiter = new AnswerLimiter({ ratePerSecond: 1, burst: 1, maxSources: 2 });
  assert.equal(limiter.allow('a', 0), true);
  assert.equal(limiter.allow('b', 0), true);
  assert.equal(limiter.allow('a', 0), false, 'a is remembered (and now the most recent)');
  assert.equal(limiter.allow('c', 0), true, 'c pushes out b, the stalest');
  assert.equal(limiter.size, 2);
  assert.equal(limiter.allow('a', 0), false, 'a was kept');
  assert.equal(limiter.allow('b', 0), true, 'b was forgotten: a full bucket again');
});
