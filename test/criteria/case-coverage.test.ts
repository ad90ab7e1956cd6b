// Every criterion of every policy has a case where it alone fails and one where its evidence alone
// is missing (or a stated reason why such a case cannot exist).
import { describe, expect, it } from 'vitest';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadCaseFiles } from '../support/cases';

describe('policy case coverage', () => {
  it('every criterion of every policy has a "fails" case and a "missing" case', () => {
    const library = loadLibraryFromDisk();
    const covered = new Map<string, Set<string>>();
    for (const [file, cf] of loadCaseFiles()) {
      for (const c of cf.cases) {
        for (const cov of c.covers ?? []) {
          if (cov.as.endsWith('n/a')) expect((cov.why ?? '').length, `${file}: ${c.name}: ${cov.as} for ${cov.criterion} needs a why`).toBeGreaterThanOrEqual(20);
          const key = `${cf.policy}:${cov.criterion}`;
          covered.set(key, new Set([...(covered.get(key) ?? []), cov.as.replace('-n/a', '')]));
        }
      }
    }
    const all = [...library.policies, library.pathway, ...library.advisories].flatMap((p) => Object.keys(p.criteria).map((id) => `${p.id}:${id}`));
    const gaps = all.filter((k) => !covered.get(k)?.has('fails') || !covered.get(k)?.has('missing')).map((k) => `${k} (has: ${[...(covered.get(k) ?? [])].join(', ') || 'nothing'})`);
    expect(gaps).toEqual([]);
  });
});
