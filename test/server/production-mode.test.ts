// Production mode over a real process: `SANDBOX=off` serves the CDS Hooks service and the SMART app
// and nothing of the sandbox — no /fhir, /auth or /ehr, no sandbox issuer or origin, and (recorded by
// a module-load hook) no sandbox module loaded at all. And startup fails loudly: a busy port makes the
// process, or the supervisor of several workers, exit non-zero without claiming to listen.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';
import { buildClient } from '../browser/harness';
import { hookRequest } from '../cds-hooks/harness';
import { ADA, adaOrders } from '../cds-hooks/patients';
import { freePort } from '../support/ports';

function start(env: Record<string, string>, preload: string[] = []): { proc: ChildProcess; output: () => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sij-prod-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), path.join(REPO_ROOT, 'server/main.ts')], {
    env: { ...process.env, CDS_AUTH: 'off', LOG_LEVEL: 'info', FEEDBACK_DB_PATH: path.join(dir, 'f.db'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (out += String(d)));
  return { proc, output: () => out };
}

async function waitUntil(check: () => Promise<boolean>, what: string, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} never happened; output: ${output().slice(0, 800)}`);
}

describe('SANDBOX=off (production mode)', () => {
  let base: string;
  let proc: ChildProcess;
  let output: () => string;
  let moduleLog: string;
  beforeAll(async () => {
    const dist = await buildClient();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    moduleLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'sij-modules-')), 'modules.txt');
    ({ proc, output } = start(
      { SANDBOX: 'off', WEB_CONCURRENCY: '1', PORT: String(port), CLIENT_DIST_DIR: dist, PUBLIC_BASE_URL: base, MODULE_LOG: moduleLog },
      [path.join(REPO_ROOT, 'test/server/record-modules.mjs')],
    ));
    await waitUntil(() => fetch(`${base}/health`).then((r) => r.ok, () => false), 'health', output);
  }, 120_000);
  afterAll(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    }
  });

  it('keeps idle keep-alive sockets longer than its clients do, and says so (no reset when a client reuses one)', async () => {
    // Node's default closes an idle socket after 5 s, racing undici's reuse of it (4 s) on a loaded
    // machine: the client then gets ECONNRESET. The server keeps them 65 s, beyond a 60 s load balancer.
    const res = await fetch(`${base}/health`);
    await res.arrayBuffer();
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  it('serves discovery, the hook, /launch.html, /app/ and /app-config.js', async () => {
    expect((await fetch(`${base}/cds-services`)).status).toBe(200);
    const hook = await fetch(`${base}/cds-services/sij-medical-necessity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] })),
    });
    expect(hook.status).toBe(200);
    for (const page of ['/launch.html', '/app/']) {
      const res = await fetch(`${base}${page}`);
      expect(res.status, page).toBe(200);
      expect(await res.text()).toMatch(/<html/i);
    }
    // The letterhead is runtime configuration too (config/letter.json unless LETTER_CONFIG names another).
    expect(await (await fetch(`${base}/app-config.js`)).text()).toMatch(/SMART_APP_CONFIG = \{.*"letter":\{"organisation":"Example Health Partners"/);
  });

  it('has a front door that links no sandbox: / names the service and the launch URL, and the documents are served', async () => {
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/without the sandbox \(production mode\)/);
    expect(html).toMatch(/cds-services\/sij-medical-necessity/);
    expect(html).not.toMatch(/href="\/ehr"|\/fhir\/metadata/);
    expect((await fetch(`${base}/readme`)).status).toBe(200);
    expect((await fetch(`${base}/favicon.svg`)).status).toBe(200);
  });

  it('serves nothing of the sandbox: /fhir, /auth and /ehr are 404', async () => {
    for (const p of ['/fhir/metadata', '/fhir/.well-known/smart-configuration', '/auth/jwks', '/auth/authorize', '/ehr', '/ehr/api/config']) {
      expect((await fetch(`${base}${p}`)).status, p).toBe(404);
    }
  });

  it('allows no sandbox origin: a hook naming this server\'s /fhir as fhirServer gets 412', async () => {
    const res = await fetch(`${base}/cds-services/sij-medical-necessity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest({ patientId: ADA, orders: adaOrders(), fhirServer: `${base}/fhir` })),
    });
    expect(res.status).toBe(412);
  });

  it('loads no sandbox module (every module the process loaded was recorded)', () => {
    const loaded = readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((u) => u.includes('/cds-hooks/router.ts'))).toBe(true); // the recorder saw the service
    expect(loaded.some((u) => u.includes('/server/serve-client.ts'))).toBe(true);
    expect(loaded.filter((u) => u.includes(`${REPO_ROOT}/sandbox/`))).toEqual([]);
  });

  it('listens on every interface by default, and says the sandbox is off', () => {
    const line = output().split('\n').find((l) => l.includes('"msg":"listening"'));
    expect(JSON.parse(line!)).toMatchObject({ host: '0.0.0.0', sandbox: false });
  });
});

describe('startup fails loudly', () => {
  let blocker: net.Server;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, '0.0.0.0', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  for (const workers of ['1', '2']) {
    it(`with ${workers} worker${workers === '1' ? '' : 's'}, a busy port exits non-zero and never logs "listening"`, async () => {
      const { proc, output } = start({ SANDBOX: 'off', WEB_CONCURRENCY: workers, PORT: String(port) });
      const [code] = (await once(proc, 'exit')) as [number | null];
      expect(code, output()).not.toBe(0);
      expect(code).not.toBeNull();
      expect(output()).not.toMatch(/"msg":"listening"/);
      expect(output()).toMatch(/cannot listen on 0\.0\.0\.0:\d+|cannot bind/);
    }, 60_000);
  }
});
