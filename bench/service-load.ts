// The order-sign service under load, as issue 11 measured it: the 500-resource prefetch (the bench's
// synthetic patient, sent indented as the issue sent it: ~345 KB), 300 sequential keep-alive POSTs, 8
// closed-loop clients for 10 s, and 200 requests/s of evenly spaced arrivals; the parse-and-stringify
// floor is measured in this process in the same run. Production mode (SANDBOX=off, one worker per
// core) against the targets, the same request without indentation for comparison, then the sandbox
// mode (one process) for the record. CPU per request is the server's own (every process of it, from
// /proc), which a loaded machine inflates less than it inflates latency. Then a CPU profile of the
// production workers under the 8-client load, read over that phase only (not the startup).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { determine } from '../criteria';
import { loadLibraryFromDisk, REPO_ROOT } from '../server/policy-files';
import { machineReference, medianMs, parseFloor } from './machine';
import { processTree, stopChild } from './process-tree';
import { profileSummary } from './profile';
import { steadyLoad } from './steady-load';
import { orderSignRequest, syntheticPatient } from './synthetic-patient';

type Log = (s?: string) => void;
type Verdict = (ok: boolean) => string;

const PATH = '/cds-services/sij-medical-necessity';
const TICKS_PER_SECOND = 100;

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(mode: 'production' | 'sandbox', extraNodeArgs: string[] = []): Promise<Server> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--max-semi-space-size=32', ...extraNodeArgs, '--import', 'tsx', join(REPO_ROOT, 'server/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_BASE_URL: url,
      CDS_AUTH: 'off',
      SANDBOX: mode === 'production' ? 'off' : 'on',
      // The default level: the per-request log line is part of what production pays.
      LOG_LEVEL: 'info',
      FEEDBACK_DB_PATH: join(mkdtempSync(join(tmpdir(), 'bench-service-')), 'feedback.db'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300 && !(await fetch(`${url}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
  return { url, child, stop: () => stopChild(child) };
}


/** User + system CPU seconds of the server: the supervisor and every worker. */
const cpuSeconds = (pid: number): number =>
  processTree(pid).reduce((sum, p) => {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      return sum;
    }
  }, 0);

function post(agent: http.Agent, url: URL, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One POST, answered with its body as text. */
function postText(url: string, payload: Buffer): Promise<string> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array(payload) }).then((r) => r.text());
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

interface ClosedLoop {
  latencies: number[];
  failed: number;
  seconds: number;
}

/** `clients` keep-alive connections, each sending the next request as soon as the last is answered. */
async function closedLoop(server: Server, payload: Buffer, clients: number, until: { requests?: number; seconds?: number }): Promise<ClosedLoop> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const url = new URL(`${server.url}${PATH}`);
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + (until.seconds ?? Infinity) * 1000;
  const client = async () => {
    while (performance.now() < end && latencies.length + failed < (until.requests ?? Infinity)) {
      const t = performance.now();
      const status = await post(agent, url, payload).catch(() => 0);
      if (status === 200) latencies.push(performance.now() - t);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), failed, seconds: (performance.now() - started) / 1000 };
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');
const msOf = (n: number) => `${n.toFixed(1)} ms`;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface ModeResult {
  floor: number;
  sequential: ClosedLoop;
  eight: ClosedLoop;
  cpuMsPerRequest: number;
  steady?: Awaited<ReturnType<typeof steadyLoad>>;
  loads: string[];
  /** The server's answer to the body, as sent. */
  answer: string;
}

/** Warm-up (JIT, the database's first pages), then the issue's three phases. */
async function measureMode(mode: 'production' | 'sandbox', body: string, opts: { steady: boolean }): Promise<ModeResult> {
  const payload = Buffer.from(body);
  const server = await startServer(mode);
  try {
    await closedLoop(server, payload, 2, { requests: 300, seconds: 20 });
    const loads: string[] = [];
    const sequential = await closedLoop(server, payload, 1, { requests: 300 });
    const floor = parseFloor(body);
    loads.push(load());
    const answer = await postText(`${server.url}${PATH}`, payload);
    const cpu0 = cpuSeconds(server.child.pid!);
    const eight = await closedLoop(server, payload, 8, { seconds: 10 });
    const cpuMsPerRequest = ((cpuSeconds(server.child.pid!) - cpu0) * 1000) / (eight.latencies.length + eight.failed);
    loads.push(load());
    const steady = opts.steady ? await steadyLoad({ url: `${server.url}${PATH}`, body, rate: 200, seconds: 30 }) : undefined;
    if (steady) loads.push(load());
    return { floor, sequential, eight, cpuMsPerRequest, steady, loads, answer };
  } finally {
    await server.stop();
  }
}

/**
 * What node:http and V8 alone cost for the body: bench/stack-baseline.mjs (read, JSON.parse, send the
 * product's own answer serialised in advance), one process, the same warm-up and 300 sequential
 * POSTs as a mode, and the floor measured right after, as a mode's is.
 */
async function stackBaseline(body: string, answer: string): Promise<{ p50: number; floor: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-baseline-'));
  const responseFile = join(dir, 'answer.json');
  writeFileSync(responseFile, answer);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench/stack-baseline.mjs')], {
    env: { ...process.env, PORT: String(port), RESPONSE_FILE: responseFile },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const server: Server = {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () => stopChild(child),
  };
  try {
    await new Promise<void>((res, rej) => {
      child.once('message', () => res());
      child.once('exit', (code) => rej(new Error(`the baseline server exited (${code})`)));
    });
    const payload = Buffer.from(body);
    await closedLoop(server, payload, 2, { requests: 300, seconds: 20 });
    const sequential = await closedLoop(server, payload, 1, { requests: 300 });
    if (sequential.failed) throw new Error(`the baseline server failed ${sequential.failed} requests`);
    return { p50: quantile(sequential.latencies, 0.5), floor: parseFloor(body) };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `determine()` on the 500-resource record in this process: median of 200, after 20 to warm up. */
function engineAlone(): number {
  const library = loadLibraryFromDisk();
  const { resources, orders } = syntheticPatient(500);
  return medianMs(() => determine(library, resources, { orders }), 200, 20);
}

/** A CPU profile of every production worker, read over the 8-client phase only. */
async function profileProduction(body: string): Promise<ReturnType<typeof profileSummary> & { requests: number }> {
  const payload = Buffer.from(body);
  const dir = mkdtempSync(join(tmpdir(), 'bench-service-prof-'));
  const server = await startServer('production', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let window = { fromUs: 0, toUs: 0 };
  let requests = 0;
  try {
    await closedLoop(server, payload, 2, { requests: 300, seconds: 20 });
    const fromUs = nowUs();
    requests = (await closedLoop(server, payload, 8, { seconds: 10 })).latencies.length;
    window = { fromUs, toUs: nowUs() };
  } finally {
    await server.stop();
  }
  const summary = profileSummary(dir, window);
  rmSync(dir, { recursive: true, force: true });
  return { ...summary, requests };
}

/** The stages of one hook call, each the inclusive time of the function that does it. */
const STAGES: [string, string][] = [
  ['express before the body: CORS, helmet, request log, routing', 'app lib/express.js'],
  ['the body\'s nesting-depth check (`jsonDepthExceeds`)', 'jsonDepthExceeds cds-hooks/read-body.ts'],
  ['the body decoded to text (body-parser → iconv-lite → StringDecoder)', 'write node:string_decoder'],
  ['`JSON.parse` of the body (body-parser)', 'parse types/json.js'],
  ['request validation (`parseHookRequest`, zod)', 'parseHookRequest cds-hooks/request.ts'],
  ['prefetch flattened and deduplicated (`resolvePrefetch`)', 'resolvePrefetch cds-hooks/resolve-prefetch.ts'],
  ['patient isolation (`isolateHookRecord` → `isolatePatient`)', 'isolateHookRecord cds-hooks/isolate.ts'],
  ['the engine: `determine()`', 'determine criteria/determine.ts'],
  ['… of which `extractRecords`', 'extractRecords criteria/records.ts'],
  ['cards, brief and coverage information (`respond`)', 'respond cds-hooks/order-sign-service.ts'],
  ['… of which `compact` (no null or empty element)', 'compact cds-hooks/cards.ts'],
  ['issued cards remembered (`recordIssued`, SQLite)', 'recordIssued cds-hooks/feedback-store-sqlite.ts'],
  ['the response: `sendJsonWithoutEtag` (stringify, write; no ETag)', 'sendJsonWithoutEtag cds-hooks/router.ts'],
  ['the log line (pino)', 'LOG lib/tools.js'],
  ['garbage collection', '(garbage collector)'],
];

export async function measureService(log: Log, verdict: Verdict): Promise<void> {
  const compactBody = orderSignRequest(500).body;
  const issueBody = JSON.stringify(JSON.parse(compactBody), null, 2);
  const kb = (body: string) => `${(Buffer.byteLength(body) / 1024).toFixed(0)} KB`;
  log('## The order-sign service under load');
  log('');
  log(
    `Measured ${new Date().toISOString()} on ${cpus().length} cores. The 500-resource prefetch (\`bench/synthetic-patient.ts\`) to the real server over loopback, CDS_AUTH off, the default log level, SQLite feedback store. ` +
      `The issue's request is that record indented by two spaces (${kb(issueBody)}); the same request unindented is ${kb(compactBody)}. ` +
      'Per mode: 300 warm-up requests, 300 sequential keep-alive POSTs, 8 closed-loop keep-alive clients for 10 s, and (production) 200 requests/s of evenly spaced arrivals for 30 s (bench/steady-load.ts, each request timed from when it was due). ' +
      'The floor is `JSON.stringify(JSON.parse(body))` of the same body in the bench process, median of 300, right after the sequential phase. CPU per request is the server\'s user + system time (supervisor and workers) over the 8-client phase, divided by its requests. ' +
      `The load generator runs on the same ${cpus().length} cores. Load average (1 / 5 / 15 min) after each phase: the machine is shared, and anything above 0 slows these figures. ` +
      machineReference(),
  );
  log('');
  log('| mode | body | floor | sequential p50 | p50 / floor | sequential p99 | 8 clients | 8 clients p99 | CPU / request | 200 req/s steady p99 | load | target |');
  log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const runs = [
    { mode: 'production', body: issueBody, label: `production (SANDBOX=off, ${cpus().length} workers)`, targets: true },
    { mode: 'production', body: compactBody, label: `production (SANDBOX=off, ${cpus().length} workers)`, targets: false },
    { mode: 'sandbox', body: issueBody, label: 'with the sandbox (1 process)', targets: false },
  ] as const;
  let target: { floor: number; p50: number; answer: string } | undefined;
  for (const run of runs) {
    const r = await measureMode(run.mode, run.body, { steady: run.targets });
    const p50 = quantile(r.sequential.latencies, 0.5);
    const rate = r.eight.latencies.length / r.eight.seconds;
    const failures = r.sequential.failed + r.eight.failed + (r.steady ? r.steady.sent - r.steady.ok : 0);
    if (run.targets) target = { floor: r.floor, p50, answer: r.answer };
    const verdicts = run.targets
      ? `p50 ≤ 2× floor — ${verdict(p50 <= 2 * r.floor)}; ≥ 200/s — ${verdict(rate >= 200)}; steady p99 ≤ 50 ms — ${verdict((r.steady?.p99 ?? Infinity) <= 50)}`
      : run.mode === 'sandbox'
        ? '— (one process)'
        : '—';
    log(
      `| ${run.label} | ${kb(run.body)} | ${msOf(r.floor)} | ${msOf(p50)} | ${(p50 / r.floor).toFixed(1)}× | ${msOf(quantile(r.sequential.latencies, 0.99))} | ${rate.toFixed(0)} req/s | ` +
        `${msOf(quantile(r.eight.latencies, 0.99))} | ${msOf(r.cpuMsPerRequest)} | ${r.steady ? msOf(r.steady.p99) : '—'} | ${r.loads.join(' → ')} | ${verdicts}${failures ? `; ${failures} failed` : ''} |`,
    );
  }
  log('');
  if (target) {
    const base = await stackBaseline(issueBody, target.answer);
    const engine = engineAlone();
    const left = 2 * base.floor - base.p50;
    log(
      `What the 2× target leaves: the same warm-up and 300 sequential POSTs of the issue's request to a bare \`node:http\` server that reads the body, \`JSON.parse\`s it and sends back the production server's own answer to it (${kb(target.answer)}), serialised in advance (\`bench/stack-baseline.mjs\`: no framework, validation, engine, store or log line), ` +
        `took ${msOf(base.p50)} at p50, ${(base.p50 / base.floor).toFixed(1)}× a floor of ${msOf(base.floor)} measured right after (load ${load()}). ` +
        `That leaves ${left > 0 ? msOf(left) : 'nothing'} (${Math.max(0, left / base.floor).toFixed(1)} floors) under 2× the floor for everything the product does beyond it; \`determine()\` alone on the same record takes ${msOf(engine)} in this process (median of 200, warm). ` +
        `The production server's p50 is ${msOf(target.p50 - base.p50)} above the bare server's.`,
    );
    log('');
  }
  const p = await profileProduction(issueBody);
  const perRequest = (ms: number) => (ms * 1000) / Math.max(1, p.requests);
  log(`### Where a request's time goes (CPU profile of the production workers, the issue's request, 8 clients for 10 s: ${p.requests} requests, ${p.busy.toFixed(1)} s busy, load ${load()})`);
  log('');
  log('Inclusive time of the function that does each stage. The profiler counts a sample as busy while the machine has the process descheduled, so on a loaded machine the milliseconds run high; the shares are the steadier figure.');
  log('');
  log('| stage | share of busy time | ms / request |');
  log('|---|---|---|');
  for (const [what, key] of STAGES) log(`| ${what} | ${((100 * (p.incl.get(key) ?? 0)) / p.busy).toFixed(1)}% | ${perRequest(p.incl.get(key) ?? 0).toFixed(2)} |`);
  log(`| everything | 100% | ${perRequest(p.busy).toFixed(2)} |`);
  log('');
  log('Hottest functions by self time:');
  log('');
  log('| function | self |');
  log('|---|---|');
  for (const [k, v] of [...p.self].sort((a, b) => b[1] - a[1]).slice(0, 15)) log(`| \`${k}\` | ${((100 * v) / p.busy).toFixed(1)}% |`);
  log('');
}
