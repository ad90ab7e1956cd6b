// The dependency rules (.dependency-cruiser.cjs, run by `npm run depcheck` in `npm test`): the engine
// imports nothing else of the project and nothing has an import cycle. The shipped engine passes;
// probes that break each rule are caught.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';

const depcruise = async (cwd: string, config: string): Promise<{ code: number; out: string }> => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'criteria', '--config', config], { cwd });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
};

describe('dependency rules', () => {
  it('the shipped engine imports nothing else of the project and has no cycle', async () => {
    const r = await depcruise(REPO_ROOT, '.dependency-cruiser.cjs');
    expect(r.out).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('an engine module importing server code, and an import cycle, are both refused', async () => {
    const r = await depcruise(join(REPO_ROOT, 'test/fixtures/depcheck'), '../../../.dependency-cruiser.cjs');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('criteria-imports-nothing-of-the-project: criteria/imports-server.ts → server/thing.ts');
    expect(r.out).toMatch(/no-circular: criteria\/cycle-a\.ts/);
  });
});
