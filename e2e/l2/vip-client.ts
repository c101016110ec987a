// The client for the L2 netns tests and bench/l2.ts: every intervalMs, one fresh HTTP request to
// each URL (no keep-alive), printing one JSON line per attempt with its start time,
// duration and who answered.
import { vipAttempt } from '../vip-client.ts';

const { urls, intervalMs = 50, timeoutMs = 200 } = JSON.parse(process.argv[2] ?? '{}') as {
  urls: string[];
  intervalMs?: number;
  timeoutMs?: number;
};

function attempt(url: string): void {
  vipAttempt(url, timeoutMs, (r) => process.stdout.write(JSON.stringify({ url, ...r }) + '\n'));
}

for (const url of urls) setInterval(() => attempt(url), intervalMs);
process.once('SIGTERM', () => process.exit(0));
