// The reviewer's command line, run as a real process: readable output, the same JSON the service
// uses, and one-line errors with exit code 2 for bad input.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';
import { PATIENTS_DIR } from '../support/fixtures';
import { generateExport } from '../../cli/generate-export';
import { HELP, progressPrinter } from '../../cli/evaluate';

const run = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli/evaluate.ts'), ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};
const tmp = (name: string, body: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-'));
  writeFileSync(join(dir, name), body);
  return join(dir, name);
};

describe('npm run evaluate', () => {
  it('prints a readable determination for every in-scope order, each reason tied to a dated entry', async () => {
    const r = await run(join(PATIENTS_DIR, 'seed004-coccyx-unknown-payer.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Outcome: CRITERIA NOT MET');
    expect(r.stdout).toContain('CLINICAL PATHWAY, NOT THE PAYER\'S POLICY');
    expect(r.stdout).toMatch(/2025-08-1\d · Procedure\/seed004-proc-\d · 97110/);
    expect(r.stdout).toContain('Missing documentation:');
  });

  it('--json prints the determination objects, and --order narrows to the given codes', async () => {
    const r = await run(join(PATIENTS_DIR, 'seed002-rfa-medicare-tx.json'), '--json', '--order', 'J1100');
    expect(r.code).toBe(0);
    const ds = JSON.parse(r.stdout);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ order: { code: { code: 'J1100' } }, outcome: 'not-medically-necessary', policy: { id: 'evidence-pathway' } });
  });

  it.each([
    ['a file that does not exist', () => '/nonexistent/bundle.json', /cannot read \/nonexistent\/bundle\.json: no such file/],
    ['a file that is not JSON', () => tmp('x.json', 'not json {'), /is not JSON/],
    ['JSON that is not a Bundle', () => tmp('p.json', '{"resourceType":"Patient","id":"p"}'), /is not a FHIR Bundle \(resourceType is "Patient"\)/],
    ['a Bundle without a Patient', () => tmp('b.json', '{"resourceType":"Bundle","type":"collection","entry":[]}'), /has no Patient resource/],
    ['a directory', () => mkdtempSync(join(tmpdir(), 'dir-')), /it is a directory/],
  ])('%s gets a one-line error and exit code 2', async (_, file, message) => {
    const r = await run(file());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('an unknown option is a usage error', async () => {
    const r = await run('--frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --frobnicate');
  });

  it('--help prints what the command does and every option, and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(HELP.trim());
    for (const option of ['--order', '--as-of', '--today', '--json', '--ndjson', '--out', '--queue', '--review', '--work', '--job-timeout', '--partition-bytes']) expect(r.stdout).toContain(option);
    expect(r.stderr).toBe('');
  });

  it.each(['2025-13-45', '2025-02-30', '25-01-01', 'tomorrow'])('--as-of %s is refused: a date that is not a calendar day', async (date) => {
    for (const flag of ['--as-of', '--today']) {
      const r = await run(join(PATIENTS_DIR, 'seed004-coccyx-unknown-payer.json'), flag, date);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`evaluate: ${flag} takes a calendar date as YYYY-MM-DD, not "${date}"`);
    }
  });

  it('a reader that stops early (| head) ends the run quietly: no EPIPE stack trace, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epipe-'));
    await generateExport({ patients: 300, out: dir, seed: 3 });
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli/evaluate.ts'), '--ndjson', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // Read one chunk, as head does, then close the pipe while the command is still writing.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|\bat .*:\d+/);
    expect(code).toBe(0);
  }, 60_000);
});

describe('progress of a batch review', () => {
  const events = [
    ...[0, 40, 80, 100].map((done) => ({ phase: 'partition' as const, done, total: 100 })),
    ...[1, 2, 3, 4].map((done) => ({ phase: 'evaluate' as const, done, total: 4 })),
  ];
  it('on a terminal, shows both passes, each ending on its own line at 100%', () => {
    let out = '';
    let t = 0;
    const print = progressPrinter((s) => (out += s), { tty: true, now: () => (t += 1000) });
    for (const e of events) print(e);
    const lines = out.split('\n').filter(Boolean).map((l) => l.split('\r').pop());
    expect(lines).toEqual([expect.stringMatching(/^reading .*100%/), expect.stringMatching(/^reviewing .*100%/)]);
    expect(out).toMatch(/reading .*40%/);
    expect(out).toMatch(/reviewing .*50%/);
  });
  it('off a terminal (a log file), nothing: stderr keeps only the summary or the one-line error', () => {
    let out = '';
    const print = progressPrinter((s) => (out += s), { tty: false });
    for (const e of events) print(e);
    expect(out).toBe('');
  });
});
