// npm run bench: measured speed, scale and memory, written to bench/results.md. Every figure is
// printed against its target. Traffic goes only to servers this script starts on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { build } from 'vite';
import { determine } from '../criteria';
import { loadLibraryFromDisk, REPO_ROOT } from '../server/policy-files';
import { orderSignRequest } from './synthetic-patient';
import { medianMs } from './machine';
import { steadyLoad } from './steady-load';
import { measureSmartLaunch } from './smart-launch';
import { measureFallbackRead } from './fallback-read';
import { batchScale } from './batch-scale';
import { measureService } from './service-load';
import { processTree, stopChild } from './process-tree';

const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const lines: string[] = [];
const log = (s = '') => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function startServer(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', join(REPO_ROOT, 'server/main.ts')], {
    env: { ...process.env, PORT: String(port), CDS_AUTH: 'off', SANDBOX: 'off', LOG_LEVEL: 'warn', FEEDBACK_DB_PATH: join(mkdtempSync(join(tmpdir(), 'bench-')), 'feedback.db') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, stop: () => stopChild(child) };
}


/** Resident memory of the server: the supervisor and every worker. */
const rssMb = (pid: number): number =>
  processTree(pid).reduce((sum, p) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return sum + (m ? Number(m[1]) / 1024 : 0);
    } catch {
      return sum;
    }
  }, 0);

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))));
}

async function engineVsFloor(): Promise<void> {
  log('## The engine alone, against the parse floor');
  log('');
  log('Floor: `JSON.parse` + `JSON.stringify` of the same order-sign request in the same process. Engine: `determine()` on the parsed record. Median of repeated runs.');
  log('');
  log('| resources | request bytes | floor | engine | ratio | target |');
  log('|---|---|---|---|---|---|');
  const library = loadLibraryFromDisk();
  for (const n of [50, 500, 5000]) {
    const { body } = orderSignRequest(n);
    const time = (f: () => unknown) => medianMs(f, n >= 5000 ? 30 : 200, 5);
    const floor = time(() => JSON.stringify(JSON.parse(body)));
    const parsed = JSON.parse(body);
    const record = parsed.prefetch.record.entry.map((e: { resource: unknown }) => e.resource);
    const orders = parsed.context.draftOrders.entry.map((e: { resource: unknown }) => e.resource);
    const engine = time(() => determine(library, record, { orders }));
    const ratio = engine / floor;
    log(`| ${n} | ${body.length} | ${ms(floor)} | ${ms(engine)} | ${ratio.toFixed(2)}× | ${n === 500 ? `≤ 3× — ${verdict(ratio <= 3)}` : '—'} |`);
  }
  log('');
}

async function orderSign(url: string): Promise<void> {
  log('## Order-sign over loopback (autocannon → the real server)');
  log('');
  log(`The server as deployed without the sandbox: one worker process per core (${cpus().length}), sharing the port.`);
  log('');
  log('Each request carries the whole record as prefetch. Unthrottled: autocannon, 10 connections for 10 s. Throttled: autocannon with `overallRate: 200` for 20 s — note that autocannon paces by releasing each second\'s quota as fast as the connections allow, so this is a burst at full capacity at the top of every second. Steady: an open-loop generator (bench/steady-load.ts) that spaces 200 requests/s evenly for 30 s and times each from when it was due.');
  log('');
  log('| resources | mode | p50 | p99 | requests/s | non-2xx | target |');
  log('|---|---|---|---|---|---|---|');
  for (const n of [50, 500, 5000]) {
    const { body } = orderSignRequest(n);
    const common = { url: `${url}/cds-services/sij-medical-necessity`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
    await cannon({ ...common, connections: 2, duration: 2 }); // warm-up
    const free = await cannon({ ...common, connections: 10, duration: 10 });
    log(`| ${n} | unthrottled | ${free.latency.p50} ms | ${free.latency.p99} ms | ${free.requests.average.toFixed(0)} | ${free.non2xx} | — |`);
    if (n === 500) {
      const paced = await cannon({ ...common, connections: 10, duration: 20, overallRate: 200 });
      log(`| ${n} | 200 req/s (autocannon) | ${paced.latency.p50} ms | ${paced.latency.p99} ms | ${paced.requests.average.toFixed(0)} | ${paced.non2xx} | p99 ≤ 50 ms — ${verdict(paced.latency.p99 <= 50 && paced.non2xx === 0)} |`);
      const steady = await steadyLoad({ url: common.url, body, rate: 200, seconds: 30 });
      log(`| ${n} | 200 req/s (steady) | ${steady.p50.toFixed(0)} ms | ${steady.p99.toFixed(0)} ms | ${steady.achievedRate.toFixed(0)} | ${steady.sent - steady.ok} | p99 ≤ 50 ms — ${verdict(steady.p99 <= 50 && steady.ok === steady.sent)} |`);
    }
  }
  log('');
}

/**
 * The soak gets a server of its own: on the one the loopback section used, the heap its 5,000-resource
 * phase grew was still being given back during the soak, and the soak read that as drift (−10.1% in
 * one run), which is the previous section's load, not the soak's.
 */
async function soakOnItsOwnServer(): Promise<void> {
  const server = await startServer();
  try {
    await soak(server.url, server.child.pid!);
  } finally {
    await server.stop();
  }
}

async function soak(url: string, pid: number): Promise<void> {
  log(`## Memory over a ${SOAK_SECONDS / 60}-minute soak`);
  log('');
  const { body } = orderSignRequest(500);
  const samples: { t: number; rss: number }[] = [];
  const started = Date.now();
  const timer = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, rss: rssMb(pid) }), 5000);
  const r = await cannon({ url: `${url}/cds-services/sij-medical-necessity`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 4, duration: SOAK_SECONDS, overallRate: 50 });
  clearInterval(timer);
  const window = (from: number, to: number) => {
    const xs = samples.filter((s) => s.t >= from && s.t < to).map((s) => s.rss);
    return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  };
  const first = window(30, 90); // after warm-up
  const last = window(SOAK_SECONDS - 60, SOAK_SECONDS + 1);
  const drift = ((last - first) / first) * 100;
  log(`50 requests/s of 500-resource order-sign for ${SOAK_SECONDS} s (${r.requests.total} requests, ${r.non2xx} non-2xx), against a server started for the soak alone. Server RSS (supervisor and workers) sampled every 5 s.`);
  log('');
  log('| RSS, 0:30–1:30 | RSS, last minute | change | target |');
  log('|---|---|---|---|');
  log(`| ${first.toFixed(1)} MB | ${last.toFixed(1)} MB | ${drift >= 0 ? '+' : ''}${drift.toFixed(1)}% | within ±10% — ${verdict(Math.abs(drift) <= 10)} |`);
  log('');
}

/** The SMART app's own assets: what launch.html and the app page load (the sandbox EHR page is not the app). */
function clientBundle(): void {
  log('## Client bundle (the SMART app)');
  log('');
  const dist = join(REPO_ROOT, 'dist/client');
  const pages = ['launch.html', 'client/index.html'].map((p) => join(dist, p));
  const assets = new Set<string>();
  for (const page of pages) {
    if (!statSync(page, { throwIfNoEntry: false })) continue;
    for (const m of readFileSync(page, 'utf8').matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.(?:js|css))"/g)) assets.add(m[1]!);
  }
  if (assets.size === 0) {
    log('No built client in dist/client: **missed** (not measured).');
    log('');
    return;
  }
  const gz = [...assets].reduce((n, f) => n + gzipSync(readFileSync(join(dist, f))).length, 0);
  log(`Every script and stylesheet that launch.html and the app page load (${assets.size} files), gzipped.`);
  log('');
  log('| gzipped | target |');
  log('|---|---|');
  log(`| ${(gz / 1024).toFixed(1)} KB | ≤ 300 KB — ${verdict(gz <= 300 * 1024)} |`);
  log('');
  // The documentation form's SDC renderer is a chunk of its own, loaded only when a form is opened.
  const form = readdirSync(join(dist, 'assets')).filter((f) => /^SdcForm-.*\.js$/.test(f));
  if (form.length) {
    const formGz = form.reduce((n, f) => n + gzipSync(readFileSync(join(dist, 'assets', f))).length, 0);
    log(`The documentation form (SDC renderer), loaded only when a form is opened and not counted above: ${(formGz / 1024).toFixed(1)} KB gzipped.`);
    log('');
  }
}

/** Figures recorded by hand (earlier runs kept for comparison): every run carries this section over as it is. */
const KEPT_BY_HAND = '## Earlier runs, kept for comparison';

const keptByHand = (results: string): string => {
  const start = results.indexOf(KEPT_BY_HAND);
  return start === -1 ? '' : `\n${results.slice(start).trimEnd()}\n`;
};

/** The sections BENCH_ONLY can name, each run alone and put in place of its old text in results.md. */
const SECTIONS = {
  batch: { heading: '## Batch review of a Bulk Data export', run: () => batchScale(log, verdict) },
  service: { heading: '## The order-sign service under load', run: () => measureService(log, verdict) },
  soak: { heading: '## Memory over a', run: soakOnItsOwnServer },
  launch: {
    heading: '## SMART app: launch to determination',
    run: async () => {
      await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
      await measureSmartLaunch(log, verdict);
    },
  },
} as const;

async function onlySection(name: keyof typeof SECTIONS): Promise<void> {
  const { heading, run } = SECTIONS[name];
  await run();
  const file = join(REPO_ROOT, 'bench/results.md');
  const old = readFileSync(file, 'utf8');
  const start = old.indexOf(heading);
  const end = start === -1 ? -1 : old.indexOf('\n## ', start + 1);
  const section = `${lines.join('\n')}\n`;
  // A section not there yet goes before the hand-kept one, which stays last.
  const hand = old.indexOf(KEPT_BY_HAND);
  const added = hand === -1 ? `${old}\n${section}` : `${old.slice(0, hand)}${section}\n${old.slice(hand)}`;
  writeFileSync(file, start === -1 ? added : `${old.slice(0, start)}${section}${end === -1 ? '' : old.slice(end + 1)}`);
  process.stdout.write(`\nwrote the ${name} section of bench/results.md\n`);
}

async function main(): Promise<void> {
  log('# Benchmarks');
  log('');
  log(`Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}.`);
  log('');
  await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  await engineVsFloor();
  await batchScale(log, verdict);
  clientBundle();
  const server = await startServer();
  try {
    await orderSign(server.url);
  } finally {
    await server.stop();
  }
  await soakOnItsOwnServer();
  await measureService(log, verdict);
  await measureFallbackRead(log);
  await measureSmartLaunch(log, verdict);
  const file = join(REPO_ROOT, 'bench/results.md');
  writeFileSync(file, `${lines.join('\n')}\n${keptByHand(existsSync(file) ? readFileSync(file, 'utf8') : '')}`);
  process.stdout.write('\nwrote bench/results.md\n');
}

const only = process.env.BENCH_ONLY;
if (only === undefined) await main();
else if (only in SECTIONS) await onlySection(only as keyof typeof SECTIONS);
else throw new Error(`BENCH_ONLY must be one of ${Object.keys(SECTIONS).join(', ')}`);
