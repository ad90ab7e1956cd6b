// The batch section of npm run bench: the realistic export (npm run generate-export) at 2k, 20k and
// 100k patients, each reviewed by the real command in its own process (startup included), with its
// peak RSS; then where the time goes, from a CPU profile of the 20k run. The machine's load average
// is printed beside each run: other work on the machine slows these figures down.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateExport } from '../cli/generate-export';
import { machineReference } from './machine';
import { profileSummary } from './profile';
import { REPO_ROOT } from '../server/policy-files';

type Log = (s?: string) => void;
type Verdict = (ok: boolean) => string;

interface Run {
  patients: number;
  orders: number;
  wall: number;
  inRun: number;
  cpu: number;
  rssMb: number;
  load: string;
}

const field = (table: string, name: string): number => Number(new RegExp(`^${name}\\s+([\\d.]+)`, 'm').exec(table)?.[1] ?? NaN);

function review(dir: string, extraNodeArgs: string[] = []): Promise<{ table: string; wall: number }> {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-out-')), 'determinations.ndjson');
  const started = performance.now();
  const child = spawn(process.execPath, [...extraNodeArgs, '--import', 'tsx', join(REPO_ROOT, 'cli/evaluate.ts'), '--ndjson', dir, '--out', out], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let table = '';
  child.stderr.on('data', (c) => (table += String(c)));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const wall = (performance.now() - started) / 1000;
      rmSync(out, { force: true });
      if (code === 0) resolve({ table, wall });
      else reject(new Error(`evaluate exited ${code}: ${table.slice(-500)}`));
    }),
  );
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

export async function batchScale(log: Log, verdict: Verdict): Promise<void> {
  log('## Batch review of a Bulk Data export');
  log('');
  const sizes = (process.env.BENCH_BATCH_SIZES ?? '2000,20000,100000').split(',').map(Number);
  log(`Measured ${new Date().toISOString()}. The realistic export (\`npm run generate-export\`, seed 1): varied histories, a payer Organization per patient, shared practitioners and sites, noise. Each size is reviewed by \`npm run evaluate -- --ndjson <dir> --out <file>\` in its own process on ${cpus().length} cores: patients/s is over the whole command, startup included; "in run" is the command's own figure; CPU is user + system over all threads. Load average (1 / 5 / 15 min) when the run ended: the machine is shared, and anything above 0 slows these figures. ${machineReference()}`);
  log('');
  log('| patients | resources | MB | orders | seconds | patients/s | in run | CPU ms / patient | peak RSS | load | target |');
  log('|---|---|---|---|---|---|---|---|---|---|---|');
  const runs: Run[] = [];
  let profileDir: string | undefined;
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
    try {
      const gen = await generateExport({ patients: n, out: dir, mode: 'realistic', seed: 1 });
      const { table, wall } = await review(dir);
      const r: Run = { patients: field(table, 'patients'), orders: field(table, 'in-scope orders'), wall, inRun: field(table, 'patients per second'), cpu: field(table, 'CPU seconds \\(all threads\\)'), rssMb: field(table, 'peak memory \\(RSS\\)'), load: load() };
      runs.push(r);
      const rate = r.patients / r.wall;
      const target = n === Math.max(...sizes) ? `≥ 2,000/s, RSS ≤ 1 GB — ${verdict(rate >= 2000 && r.rssMb <= 1024)}` : `RSS ≤ 1 GB — ${verdict(r.rssMb <= 1024)}`;
      log(`| ${n} | ${gen.resources} | ${(gen.bytes / 2 ** 20).toFixed(0)} | ${r.orders} | ${wall.toFixed(1)} | ${rate.toFixed(0)} | ${r.inRun} | ${((r.cpu * 1000) / r.patients).toFixed(2)} | ${r.rssMb.toFixed(0)} MB | ${r.load} | ${target} |`);
      if (n === 20000) {
        profileDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
        await review(dir, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const drop = ((first.patients / first.wall - last.patients / last.wall) / (first.patients / first.wall)) * 100;
  log('');
  log(`From ${first.patients} to ${last.patients} patients the rate ${drop > 0 ? `drops ${drop.toFixed(0)}%` : `rises ${(-drop).toFixed(0)}%`} (target: no drop of more than 20% — ${verdict(drop <= 20)}).`);
  log('');
  if (!profileDir) return;
  const p = profileSummary(profileDir);
  rmSync(profileDir, { recursive: true, force: true });
  const share = (k: string) => `${((100 * (p.incl.get(k) ?? 0)) / p.busy).toFixed(0)}%`;
  log(`### Where the time goes (CPU profile of the 20k run, ${p.busy.toFixed(1)} s busy over all threads)`);
  log('');
  log('| stage | share of busy time |');
  log('|---|---|');
  log(`| the engine: \`determine()\` (criteria/) | ${share('determine criteria/determine.ts')} |`);
  log(`| … of which \`extractRecords\` | ${share('extractRecords criteria/records.ts')} |`);
  log(`| pass 2 around the engine: parse, isolation check, join, serialise (\`evaluatePartition\` less \`determine\`) | ${(((p.incl.get('evaluatePartition cli/evaluate-partition.ts') ?? 0) - (p.incl.get('determine criteria/determine.ts') ?? 0)) / p.busy * 100).toFixed(0)}% |`);
  const joinSeconds = ['sharedRefs', 'fetchClosure', 'closureOf'].reduce((sum, f) => sum + (p.incl.get(`${f} cli/shared-index.ts`) ?? 0), 0);
  log(`| … of which the shared join (\`sharedRefs\`, \`fetchClosure\`, \`closureOf\`: keys named, read for the partition, joined per patient) | ${((100 * joinSeconds) / p.busy).toFixed(0)}% |`);
  log(`| pass 1: split by patient (\`splitRanges\`) | ${share('splitRanges cli/partition.ts')} |`);
  log(`| garbage collection | ${share('(garbage collector)')} |`);
  log('');
  log('Hottest functions by self time:');
  log('');
  log('| function | self |');
  log('|---|---|');
  for (const [k, v] of [...p.self].sort((a, b) => b[1] - a[1]).slice(0, 12)) log(`| \`${k}\` | ${((100 * v) / p.busy).toFixed(1)}% |`);
  log('');
}
