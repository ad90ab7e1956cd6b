// An open-loop load generator with evenly spaced arrivals, for latency at a given rate. autocannon's
// rate limiting releases each second's quota as fast as the connections allow and then waits for the
// next second (lib/httpClient.js: reqsMadeThisSecond, reset by a 1 s interval), so its "200 req/s"
// is a burst at full capacity at the top of every second. Here request i is due at t0 + i/rate and its
// latency counts from when it was due, so a slow server is not hidden by a client that waits for it.
import http from 'node:http';

export interface SteadyResult {
  sent: number;
  ok: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  achievedRate: number;
}

export async function steadyLoad(opts: { url: string; body: string; rate: number; seconds: number }): Promise<SteadyResult> {
  const target = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const payload = Buffer.from(opts.body);
  const latencies: number[] = [];
  let ok = 0;
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode === 200) ok++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        latencies.push(performance.now() - due);
        resolve();
      });
      req.end(payload);
    });
  const total = Math.round(opts.rate * opts.seconds);
  const t0 = performance.now() + 50;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(due));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;
  return { sent: total, ok, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: latencies.at(-1)!, achievedRate: total / elapsed };
}
