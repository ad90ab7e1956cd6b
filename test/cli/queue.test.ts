// Queue mode against a real PostgreSQL: the enqueuing command and two worker processes, one of them
// killed with SIGKILL while it holds a partition. The result must equal the single-process run line
// for line (after sorting), with every determination stored once and the lost partition retried.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewBulkExport, summaryTable } from '../../cli/batch';
import { connect, createReview, ensureSchema, pgRowSink } from '../../cli/determination-store';
import { emptyCounts } from '../../cli/evaluate-partition';
import { generateExport } from '../../cli/generate-export';
import { REPO_ROOT } from '../../server/policy-files';
import { startPgCluster, type PgCluster } from '../cds-hooks/postgres-cluster';

let cluster: PgCluster;
const children: ChildProcess[] = [];
const dbs: pg.Client[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
}, 60_000);
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.end().catch(() => {})));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cluster?.stop();
});

const node = (script: string, args: string[]) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
};

/** Calls `onLine` for each stdout line of a child. */
const eachLine = (child: ChildProcess, onLine: (line: string) => void) => {
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += String(c);
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
};

const exited = (child: ChildProcess) => new Promise<number | null>((res) => (child.exitCode !== null ? res(child.exitCode) : child.once('exit', (code) => res(code))));
const untimed = (table: string) => table.split('\n').filter((l) => !/^(seconds|patients per second|peak memory|CPU seconds)/.test(l)).join('\n');

describe('queue mode: two workers on PostgreSQL, one killed mid-partition', () => {
  it('gives the single-process result line for line, stores each determination once and retries the lost partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-export-'));
    await generateExport({ patients: 240, out: dir, seed: 11 });

    const local = new PassThrough();
    const localChunks: string[] = [];
    local.on('data', (c) => localChunks.push(String(c)));
    const localSummary = await reviewBulkExport({ dir, out: local, workers: 1 });
    const expected = localChunks.join('').trim().split('\n').sort();
    expect(expected.length).toBe(localSummary.orders);

    const ready = (w: ChildProcess) => new Promise<void>((res) => eachLine(w, (l) => l.includes(' ready: ') && res()));
    const workers = [0, 1].map(() => node('cli/worker.ts', ['--queue', cluster.url, '--threads', '1', '--maintenance-seconds', '1']));
    await Promise.all(workers.map(ready));

    const out = join(mkdtempSync(join(tmpdir(), 'queue-out-')), 'determinations.ndjson');
    const enqueuer = node('cli/evaluate.ts', ['--ndjson', dir, '--queue', cluster.url, '--out', out, '--review', 'sigkill-test', '--partition-bytes', '400000', '--job-timeout', '6']);
    let stderr = '';
    enqueuer.stderr!.on('data', (c) => (stderr += String(c)));

    // Catch a worker holding a partition: freeze it the moment it says it started one, and kill
    // it if that partition is not yet done (else let it go on and wait for the next start).
    const db = new pg.Client({ connectionString: cluster.url });
    db.on('error', () => {}); // the cluster stops in afterAll
    await db.connect();
    dbs.push(db);
    const killed = await new Promise<{ worker: number; partition: number; pid: number }>((resolve) => {
      let checking = false;
      workers.forEach((w, i) =>
        eachLine(w, (line) => {
          const m = / partition (\d+) of sigkill-test started/.exec(line);
          if (!m || checking) return;
          checking = true;
          w.kill('SIGSTOP');
          void db.query("SELECT state FROM sij_review_partition WHERE review = 'sigkill-test' AND partition = $1", [Number(m[1])]).then(({ rows }) => {
            if (rows[0]?.state !== 'done') {
              w.kill('SIGKILL');
              resolve({ worker: i, partition: Number(m[1]), pid: w.pid! });
            } else {
              w.kill('SIGCONT');
              checking = false;
            }
          }, () => {
            // A failed look-up must not leave the worker frozen and the test waiting: let it go on.
            w.kill('SIGCONT');
            checking = false;
          });
        }),
      );
    });
    expect(await exited(workers[killed.worker]!)).toBe(null); // killed by a signal, not exited

    expect(await exited(enqueuer)).toBe(0);
    const got = readFileSync(out, 'utf8').trim().split('\n').sort();
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);

    // Each determination once; the lost partition was taken up again and finished by the survivor.
    const { rows: count } = await db.query("SELECT count(*)::int AS n FROM sij_determination WHERE review = 'sigkill-test'");
    expect(count[0].n).toBe(expected.length);
    const { rows: part } = await db.query("SELECT state, attempts, worker FROM sij_review_partition WHERE review = 'sigkill-test' AND partition = $1", [killed.partition]);
    expect(part[0].state).toBe('done');
    expect(part[0].attempts).toBeGreaterThanOrEqual(1);
    expect(part[0].worker).not.toMatch(new RegExp(`:${killed.pid}$`));
    const { rows: jobs } = await db.query("SELECT max(retry_count)::int AS retries FROM (SELECT retry_count, data FROM pgboss.job UNION ALL SELECT retry_count, data FROM pgboss.archive) j WHERE data->>'review' = 'sigkill-test' AND (data->>'partition')::int = $1", [killed.partition]);
    expect(jobs[0].retries).toBeGreaterThanOrEqual(1);

    // The same summary table as the local run (times aside).
    expect(stderr).toContain('review sigkill-test');
    expect(untimed(stderr.slice(stderr.indexOf('patients ')).trim())).toBe(untimed(summaryTable(localSummary)));

    const survivor = workers[1 - killed.worker]!;
    survivor.kill('SIGTERM');
    expect(await exited(survivor)).toBe(0);
  }, 240_000);

  it('a partition written in part by a lost attempt and then in full stores every row once', async () => {
    const db = await connect(cluster.url);
    dbs.push(db);
    await ensureSchema(db);
    await createReview(db, { id: 'partial-write', exportDir: '/x', workDir: '/x/w', partitions: 1, threads: 1, skipped: 0, dropped: 0 });
    const row = (i: number) => ({ patient: `p${i}`, order: `ServiceRequest/o${i}`, outcome: 'criteria-met' as const, policy: 'L39383', line: JSON.stringify({ patient: `Patient/p${i}`, n: i }) });
    const lost = await pgRowSink(cluster.url, 'partial-write', 0);
    for (let i = 0; i < 700; i++) await lost.add(row(i)); // 500 reach the table, then the attempt dies
    await lost.close();
    expect((await db.query("SELECT count(*)::int AS n FROM sij_determination WHERE review = 'partial-write'")).rows[0].n).toBe(500);

    const retry = await pgRowSink(cluster.url, 'partial-write', 0);
    for (let i = 0; i < 1000; i++) await retry.add(row(i));
    await retry.finish({ ...emptyCounts(), patients: 1000, orders: 1000 });
    await retry.close();
    const { rows } = await db.query("SELECT count(*)::int AS n, count(DISTINCT patient)::int AS patients FROM sij_determination WHERE review = 'partial-write'");
    expect(rows[0]).toEqual({ n: 1000, patients: 1000 });
    const { rows: part } = await db.query("SELECT state, attempts, patients FROM sij_review_partition WHERE review = 'partial-write'");
    expect(part[0]).toEqual({ state: 'done', attempts: 2, patients: 1000 });
  });

  it('a partition whose files the workers cannot read fails after its retries: the review stops, naming it, and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-missing-'));
    await generateExport({ patients: 60, out: dir, seed: 3 });
    const work = mkdtempSync(join(tmpdir(), 'queue-work-'));
    const enqueuer = node('cli/evaluate.ts', ['--ndjson', dir, '--queue', cluster.url, '--out', join(dir, 'out.ndjson'), '--review', 'missing-files', '--work', work, '--partition-bytes', '200000', '--job-timeout', '6']);
    let stderr = '';
    enqueuer.stderr!.on('data', (c) => (stderr += String(c)));
    const db = await connect(cluster.url);
    dbs.push(db);
    await ensureSchema(db);
    // Once the review is recorded its partitions are split; take partition 0's files away.
    while ((await db.query("SELECT 1 FROM sij_review WHERE id = 'missing-files'")).rowCount === 0) await new Promise((r) => setTimeout(r, 100));
    for (const f of readdirSync(work).filter((f) => f.startsWith('p0.'))) rmSync(join(work, f));
    const worker = node('cli/worker.ts', ['--queue', cluster.url, '--threads', '1', '--maintenance-seconds', '1']);

    expect(await exited(enqueuer)).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^evaluate: review missing-files stopped: 1 partition\(s\) failed after every retry \(partition 0: partition file \S+p0\.t0\.ndjson is missing: is the work folder reachable/);
    // Every other partition is done (or gets done: the worker may still be on one).
    const progress = async () => (await db.query("SELECT count(*) FILTER (WHERE state = 'done')::int AS done, count(*)::int AS total FROM sij_review_partition WHERE review = 'missing-files'")).rows[0] as { done: number; total: number };
    let p = await progress();
    while (p.done < p.total - 1) {
      await new Promise((r) => setTimeout(r, 200));
      p = await progress();
    }
    expect(p.total).toBeGreaterThan(1);
    expect((await db.query("SELECT state FROM sij_review_partition WHERE review = 'missing-files' AND partition = 0")).rows[0].state).not.toBe('done');
    expect((await db.query("SELECT count(*)::int AS n FROM sij_determination WHERE review = 'missing-files'")).rows[0].n).toBeGreaterThan(0);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
  }, 120_000);

  it('a review name already taken is refused before anything is split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-taken-'));
    await generateExport({ patients: 5, out: dir });
    const db = await connect(cluster.url);
    dbs.push(db);
    await ensureSchema(db);
    await createReview(db, { id: 'taken-name', exportDir: dir, workDir: '/x', partitions: 1, threads: 1, skipped: 0, dropped: 0 });
    const work = join(mkdtempSync(join(tmpdir(), 'queue-taken-work-')), 'w');
    const child = node('cli/evaluate.ts', ['--ndjson', dir, '--queue', cluster.url, '--review', 'taken-name', '--work', work]);
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    expect(await exited(child)).toBe(2);
    expect(stderr.trim()).toBe('evaluate: a review named taken-name already exists in this database; choose another --review name');
    expect(readdirSync(join(work, '..'))).toEqual([]);
  });

  it('an unreachable queue database is one clear line, without the password, and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-bad-'));
    await generateExport({ patients: 2, out: dir });
    const child = node('cli/evaluate.ts', ['--ndjson', dir, '--queue', 'postgres://reviewer:s3cret@127.0.0.1:1/none', '--out', join(dir, 'out.ndjson')]);
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    expect(await exited(child)).toBe(2);
    expect(stderr.trim()).toMatch(/^evaluate: cannot reach the queue database at postgres:\/\/reviewer@127\.0\.0\.1:1\/none: ECONNREFUSED$/);
    expect(stderr).not.toContain('s3cret');
  });
});
