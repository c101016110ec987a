// A request loop to the VIP: one fresh HTTP request (no keep-alive) every `intervalMs`, at
// most `count` of them or for `maxMs`; one JSON line per attempt (start, end, ok, who answered).
//   node vip-client.ts '{"url":"http://203.0.113.100:8080/","intervalMs":50,"count":2000,"maxMs":60000}'
import { vipAttempt } from '../vip-client.ts';

const { url, intervalMs = 50, timeoutMs = 1000, count = 2000, maxMs = 60_000 } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  intervalMs?: number;
  timeoutMs?: number;
  count?: number;
  maxMs?: number;
};

const started = Date.now();
let sent = 0;
function attempt(): void {
  vipAttempt(url, timeoutMs, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}

const timer = setInterval(() => {
  if (++sent > count || Date.now() - started > maxMs) {
    clearInterval(timer);
    return;
  }
  attempt();
}, intervalMs);
process.once('SIGTERM', () => process.exit(0));
