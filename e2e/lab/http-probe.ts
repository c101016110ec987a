// A lab client: `count` HTTP requests, each on a fresh connection (so a fresh source
// port), one every `intervalMs`; prints one JSON summary line of who answered.
// Usage: node http-probe.ts <url> [count=1] [intervalMs=0] [timeoutMs=1000]
import { get } from 'node:http';
import { numberOrExit, parseWholeNumber } from '../../lib/cli/numbers.ts';

export interface ProbeSummary {
  ok: number;
  failed: number;
  /** Answers per node name. */
  byNode: Record<string, number>;
  /** Each answer in order ('' for a failed request). */
  answers: string[];
  /** Epoch ms at which each request finished (same clock as the test process). */
  at: number[];
  errors: string[];
  elapsedMs: number;
}

function once(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body.trim()));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [url, countText = '1', intervalText = '0', timeoutText = '1000'] = process.argv.slice(2);
  if (!url) throw new Error('usage: http-probe.ts <url> [count] [intervalMs] [timeoutMs]');
  const count = numberOrExit(parseWholeNumber('count', countText, { min: 0 }), 'http-probe');
  const intervalMs = numberOrExit(parseWholeNumber('intervalMs', intervalText, { min: 0 }), 'http-probe');
  const timeoutMs = numberOrExit(parseWholeNumber('timeoutMs', timeoutText, { min: 1 }), 'http-probe');
  const began = Date.now();
  const summary: ProbeSummary = { ok: 0, failed: 0, byNode: {}, answers: [], at: [], errors: [], elapsedMs: 0 };
  for (let i = 0; i < count; i++) {
    const start = Date.now();
    try {
      const node = await once(url, timeoutMs);
      summary.ok++;
      summary.byNode[node] = (summary.byNode[node] ?? 0) + 1;
      summary.answers.push(node);
    } catch (err) {
      summary.failed++;
      summary.answers.push('');
      if (summary.errors.length < 10) summary.errors.push(`#${i}: ${(err as Error).message}`);
    }
    summary.at.push(Date.now());
    const wait = intervalMs - (Date.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  summary.elapsedMs = Date.now() - began;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
