// The reviewer's command line, run as a real process: readable output, the same JSON the service
// uses, and one-line errors with exit code 2 for bad input.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';
import { PATIENTS_DIR } from '../support/fixtures';

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
});
