// criteria/ runs unchanged in the browser and in Node. Its tsconfig has no DOM lib and no Node types,
// so using either is a compile error: prove it by compiling a file that tries, under that config.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../server/policy-files';

const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const compile = (source: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'criteria-iso-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(REPO_ROOT, 'criteria', 'tsconfig.json'), include: ['probe.ts'] }));
  writeFileSync(join(dir, 'probe.ts'), source);
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout);
  }
};

describe('criteria/ is isomorphic', () => {
  it('the shipped criteria/ compiles under its own config', () => {
    expect(() => execFileSync(process.execPath, [tsc, '-p', join(REPO_ROOT, 'criteria')], { encoding: 'utf8' })).not.toThrow();
  });
  it('importing a Node API there is a compile error', () => {
    expect(compile("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toMatch(/node:fs/);
  });
  it('using a DOM API there is a compile error', () => {
    expect(compile('export const t = document.title;\n')).toMatch(/Cannot find name 'document'/);
  });
  it('process.env is a compile error too', () => {
    expect(compile('export const e = process.env.X;\n')).toMatch(/Cannot find name 'process'/);
  });
});
