// Policy cases as data (test/cases/*.json): named personas, optional mutations, and the outcome,
// criteria statuses, findings, advisories and reason fragments a reviewer expects. Adding a case is
// adding data.
import { describe, expect, it } from 'vitest';
import { determine } from '../../criteria';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadCaseFiles } from '../support/cases';
import { loadPersona, mutate, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
/** Cases run on a fixed day, so a case's meaning does not drift with the calendar. */
const TODAY = '2026-12-01';

for (const [file, cf] of loadCaseFiles()) {
  describe(`${file} (${cf.policy})`, () => {
    for (const c of cf.cases) {
      it(c.name, () => {
        const resources = mutate(resourcesOf(loadPersona(c.fixture)), c.mutations);
        const ds = determine(library, resources, { asOf: c.asOf, today: c.today ?? TODAY, codes: c.orders });
        expect(ds.map((d) => d.order.code.code)).toEqual(c.expect.map((e) => e.code));
        c.expect.forEach((e, i) => {
          const d = ds[i]!;
          const where = `${c.name} → ${e.code}`;
          expect(d.outcome, `${where}: outcome (reasons: ${d.reasons.join(' | ')})`).toBe(e.outcome);
          if (e.ruleKey) expect(d.order.ruleKey, where).toBe(e.ruleKey);
          if (e.policy) expect(d.policy.id, `${where}: policy`).toBe(e.policy);
          if (e.policyKind) expect(d.policy.kind, where).toBe(e.policyKind);
          const statuses = Object.fromEntries(d.criteria.map((x) => [x.id, x.status]));
          for (const [id, status] of Object.entries(e.criteria ?? {})) {
            expect(statuses[id], `${where}: criterion ${id} (${d.criteria.find((x) => x.id === id)?.summary})`).toBe(status);
          }
          if (e.othersMet) {
            const others = d.criteria.filter((x) => !(x.id in (e.criteria ?? {})) && !x.id.endsWith('-excluded'));
            expect(others.filter((x) => x.status !== 'met').map((x) => `${x.id}: ${x.summary}`), `${where}: only the named criteria may differ`).toEqual([]);
          }
          if (e.findings) expect(d.findings.map((f) => f.id).sort(), `${where}: findings`).toEqual([...e.findings].sort());
          if (e.advisories) expect(d.advisories.map((a) => a.id).sort(), `${where}: advisories`).toEqual([...e.advisories].sort());
          if (e.alternatives) expect(d.alternatives.map((a) => a.id).sort(), `${where}: alternatives`).toEqual([...e.alternatives].sort());
          for (const r of e.reasons ?? []) expect(d.reasons.join('\n'), `${where}: a reason mentions "${r}"`).toContain(r);
          for (const m of e.missing ?? []) expect(d.missing.join('\n'), `${where}: missing mentions "${m}"`).toContain(m);
          if (e.flags) expect(d.flags.map((f) => f.id).sort(), `${where}: flags`).toEqual([...e.flags].sort());
          if (e.coverage) expect(d.coverage?.reference, `${where}: coverage`).toBe(e.coverage);
          if (e.planKind) expect(d.coverage?.planKind, `${where}: plan kind`).toBe(e.planKind);
          for (const r of e.policyReason ?? []) expect(d.policyChoice.reason, `${where}: why this policy`).toContain(r);
          // Reasons rest on the record: every piece of evidence names a resource and a FHIRPath.
          for (const x of d.criteria) for (const ev of x.evidence) {
            expect(ev.reference, `${where}: ${x.id}`).toMatch(/^[A-Z][A-Za-z]+\/.+/);
            expect(ev.path.length, `${where}: ${x.id} evidence path`).toBeGreaterThan(0);
          }
        });
      });
    }
  });
}
