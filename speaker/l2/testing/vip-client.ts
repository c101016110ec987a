// The client for failover.netns.test.ts: every intervalMs, one fresh HTTP request to
// each URL (no keep-alive), printing one JSON line per attempt with its start time,
// duration and who answered.
import http from 'node:http';

const { urls, intervalMs = 50, timeoutMs = 200 } = JSON.parse(process.argv[2] ?? '{}') as {
  urls: string[];
  intervalMs?: number;
  timeoutMs?: number;
};

function attempt(url: string): void {
  const t = Date.now();
  const done = (ok: boolean, body: string) =>
    process.stdout.write(JSON.stringify({ url, t, end: Date.now(), ok, body }) + '\n');
  const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d: string) => (body += d));
    res.on('end', () => done(res.statusCode === 200, body));
    res.on('error', (err) => done(false, err.message));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => done(false, err.message));
}

for (const url of urls) setInterval(() => attempt(url), intervalMs);
process.once('SIGTERM', () => process.exit(0));
