// One fresh HTTP GET (no keep-alive) for the VIP request loops of the netns tests:
// reports when it started, when it ended, whether it got a 200 and the body (who answered).
import http from 'node:http';

export interface VipAttempt {
  t: number;
  end: number;
  ok: boolean;
  body: string;
}

export function vipAttempt(url: string, timeoutMs: number, report: (attempt: VipAttempt) => void): void {
  const t = Date.now();
  const done = (ok: boolean, body: string) => report({ t, end: Date.now(), ok, body });
  const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d: string) => (body += d));
    res.on('end', () => done(res.statusCode === 200, body));
    res.on('error', (err) => done(false, err.message));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => done(false, err.message));
}
