// The bounded fallback read under hostile and large upstream answers, against the real server (one
// process, SANDBOX=off) and a misbehaving FHIR server in its own process (test/faults/
// misbehaving-fhir-server.mjs): time to the answer, the server's peak RSS growth during the call, what
// the upstream sent, and the outcome. Part of `npm run bench`; `tsx bench/fallback-read.ts` runs only
// this and rewrites only its section of bench/results.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../server/policy-files';

type Log = (s?: string) => void;
const SECTION = '## Fallback read: endless body and huge pages';
const DEADLINE_MS = 4000;

const CASES = [
  { mode: 'endless-body', what: 'an endless body (a searchset whose entries never end)' },
  { mode: 'huge-page', what: 'one 200,000-entry page (~34 MB) with a Content-Length' },
  { mode: 'large-page', what: 'one 20,000-entry page (~3.4 MB): a large record within the caps' },
  { mode: 'endless', what: 'same-origin next links forever' },
] as const;

async function upstream(mode: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test/faults/misbehaving-fhir-server.mjs'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/fhir`, child };
}

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

function hook(fhirServer: string) {
  const patient = 'cds-ada-aetna';
  const order = (id: string, code: string) => ({
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patient}` },
    authoredOn: '2025-06-01',
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code }] },
  });
  return {
    hook: 'order-sign',
    hookInstance: crypto.randomUUID(),
    fhirServer,
    context: { userId: 'Practitioner/1', patientId: patient, draftOrders: { resourceType: 'Bundle', entry: [{ resource: order('b1', '64625') }, { resource: order('b2', '27096') }] } },
  };
}

export async function measureFallbackRead(log: Log): Promise<void> {
  const servers = new Map<string, { url: string; child: ChildProcess }>();
  for (const c of CASES) servers.set(c.mode, await upstream(c.mode));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', join(REPO_ROOT, 'server/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      CDS_AUTH: 'off',
      SANDBOX: 'off',
      WEB_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
      FHIR_DEADLINE_MS: String(DEADLINE_MS),
      FHIR_SERVER_ALLOWLIST: [...servers.values()].map((s) => new URL(s.url).origin).join(','),
      FEEDBACK_DB_PATH: join(mkdtempSync(join(tmpdir(), 'bench-fallback-')), 'f.db'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; i < 150 && !(await fetch(`${base}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
    log(SECTION);
    log('');
    log(
      `The server as deployed (one process here, SANDBOX=off, the default caps: 16 MiB a response, 32 MiB and 100 requests a hook call, ${DEADLINE_MS} ms deadline), ` +
        'calling back a misbehaving FHIR server in its own process. Peak RSS growth is the server process\'s, sampled every 10 ms during the call, over its RSS just before; ' +
        '"upstream wrote" is what the FHIR server handed to its sockets, read or not (a 34 MB page is written whole even when the service refuses it unread, from its Content-Length). Before issue 9 the endless body was read for 22.8 s and grew memory by 2.1 GB, ' +
        'and endless next links made 823 requests for one call.',
    );
    log('');
    log('| upstream | answer | time | peak RSS growth | upstream wrote | upstream requests | target |');
    log('|---|---|---|---|---|---|---|');
    // Warm-up: the first call starts the evaluation worker and compiles the hot paths.
    await fetch(`${base}/cds-services/sij-medical-necessity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hook(servers.get('large-page')!.url)) });
    for (const c of CASES) {
      const up = servers.get(c.mode)!;
      const statsUrl = `${new URL(up.url).origin}/__stats`;
      const before = (await (await fetch(statsUrl)).json()) as { requests: number; bytes: number };
      const rss0 = rssMb(server.pid!);
      let peak = rss0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid!))), 10);
      const started = performance.now();
      const res = await fetch(`${base}/cds-services/sij-medical-necessity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hook(up.url)) });
      const body = (await res.json()) as { cards?: { extension: { 'medical-necessity': { outcome: string } }; detail: string }[] };
      const ms = performance.now() - started;
      clearInterval(sampler);
      const after = (await (await fetch(statsUrl)).json()) as { requests: number; bytes: number };
      const outcome = body.cards?.[0]?.extension['medical-necessity'].outcome ?? `HTTP ${res.status}`;
      const within = ms <= DEADLINE_MS + 500;
      log(
        `| ${c.what} | ${outcome} | ${Math.round(ms)} ms | ${(peak - rss0).toFixed(0)} MB | ${((after.bytes - before.bytes) / 2 ** 20).toFixed(1)} MB | ${after.requests - before.requests} | ` +
          `within the ${DEADLINE_MS} ms deadline — ${within ? 'met' : '**missed**'} |`,
      );
    }
    log('');
  } finally {
    server.kill('SIGTERM');
    for (const s of servers.values()) s.child.kill('SIGKILL');
  }
}

/** Run alone: replace this section of bench/results.md (or append it), leaving every other section as it is. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lines: string[] = [];
  await measureFallbackRead((s = '') => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  });
  const file = join(REPO_ROOT, 'bench/results.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf(SECTION);
  const section = `${lines.join('\n').trimEnd()}\n`;
  let next: string;
  if (start < 0) next = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf('\n## ', start + SECTION.length);
    next = `${current.slice(0, start)}${section}${end < 0 ? '' : `\n${current.slice(end + 1)}`}`;
  }
  writeFileSync(file, next);
  process.exit(0);
}
