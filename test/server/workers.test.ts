// The real process: without the sandbox, server/main.ts forks one worker per WEB_CONCURRENCY that all
// serve the same port, replaces a worker that dies, and stops them all on SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';
import { freePort } from '../support/ports';

/** The worker processes: children running server/main.ts (tsx also starts an esbuild service child). */
const children = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`)
    .flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number))
    .filter((c) => {
      try {
        return readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('server/main.ts');
      } catch {
        return false;
      }
    });

const waitFor = async (check: () => Promise<boolean> | boolean, ms = 30_000) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
};

describe('worker processes', () => {
  it('serves from two workers on one port, replaces a killed worker, and stops everything on SIGTERM', async () => {
    const port = await freePort();
    const dir = path.join(os.tmpdir(), `sij-workers-${port}`);
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'server/main.ts')], {
      env: { ...process.env, PORT: String(port), SANDBOX: 'off', WEB_CONCURRENCY: '2', CDS_AUTH: 'off', LOG_LEVEL: 'silent', FEEDBACK_DB_PATH: path.join(dir, 'f.db') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    try {
      const health = () => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      await waitFor(async () => children(proc.pid!).length === 2 && (await health())).catch((e: Error) => {
        throw new Error(`${e.message}; children ${children(proc.pid!).length}; stderr: ${stderr.slice(0, 500)}`);
      });
      const [first] = children(proc.pid!);
      process.kill(first!, 'SIGKILL');
      await waitFor(() => {
        const now = children(proc.pid!);
        return now.length === 2 && !now.includes(first!);
      });
      // A keep-alive socket the client still holds may have belonged to the killed worker: the service
      // must answer again, not necessarily on that first socket.
      await waitFor(health, 15_000);
      const workers = children(proc.pid!);
      proc.kill('SIGTERM');
      const [code] = (await once(proc, 'exit')) as [number | null];
      expect(code).toBe(0);
      for (const w of workers) expect(() => process.kill(w, 0)).toThrow();
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 60_000);
});
