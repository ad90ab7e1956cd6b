// The dependency direction, enforced rather than reviewed (STYLE.md "composition root at the edge"):
// criteria/ and common/ import nothing of the project beyond themselves; cds-hooks/ never imports
// server/ or sandbox/; server/ reaches sandbox/ only through a dynamic import, so SANDBOX=off never
// loads it. Imports are read with the TypeScript scanner, not a regex, so comments and strings do not
// count and `import()` is told apart from a static import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Project folders a file imports from, split into static and dynamic imports. */
function importsOf(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): { static: string[]; dynamic: string[] } {
  const info = ts.preProcessFile(text, true, true);
  const out = { static: [] as string[], dynamic: [] as string[] };
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), ref.fileName)).split(path.sep)[0] ?? '';
    const before = text.slice(Math.max(0, ref.pos - 12), ref.pos);
    (/import\(\s*['"`]?$/.test(before) ? out.dynamic : out.static).push(target);
  }
  return out;
}

const RULES: { from: string; mayImport: string[] }[] = [
  { from: 'criteria', mayImport: ['criteria'] },
  { from: 'common', mayImport: ['common'] },
  { from: 'cds-hooks', mayImport: ['cds-hooks', 'criteria', 'common'] },
];

describe('dependency direction', () => {
  for (const rule of RULES) {
    it(`${rule.from}/ imports only ${rule.mayImport.join(', ')}`, () => {
      const wrong = sourceFiles(rule.from).flatMap((f) => {
        const { static: s, dynamic: d } = importsOf(f);
        return [...s, ...d].filter((t) => !rule.mayImport.includes(t)).map((t) => `${f} → ${t}/`);
      });
      expect(wrong).toEqual([]);
    });
  }

  it('server/ imports sandbox/ only dynamically, so production mode never loads it', () => {
    const staticSandbox = sourceFiles('server').filter((f) => importsOf(f).static.includes('sandbox'));
    expect(staticSandbox).toEqual([]);
    expect(sourceFiles('server').some((f) => importsOf(f).dynamic.includes('sandbox'))).toBe(true);
  });

  it('sandbox/ does not import server/: the product does not depend on its sandbox, nor the sandbox on the product\'s wiring', () => {
    expect(sourceFiles('sandbox').filter((f) => importsOf(f).static.includes('server'))).toEqual([]);
  });

  it('the scanner tells static from dynamic imports and ignores comments and packages', () => {
    const probe = "import a from '../server/x';\n// import b from '../client/y';\nimport z from 'zod';\nconst m = await import('../sandbox/y');\n";
    expect(importsOf(path.join('server', 'probe.ts'), probe)).toEqual({ static: ['server'], dynamic: ['sandbox'] });
  });
});
