// More evidence of good care never counts against the patient: adding a completed conservative-care
// session or a qualifying block (≥75% relief) never turns a met criterion into not-met. The only
// exceptions are the policies' explicit count and interval limits, where one more procedure is
// exactly what the limit is about.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { determine } from '../../criteria';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadPersona, personaNames, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
const CPT = 'http://www.ama-assn.org/go/cpt';

/** Limits on how many procedures, or how soon: more procedures may legitimately fail them. */
const LIMITS = new Set(['lcd-frequency', 'lcd-first-session', 'aetna-first-injection', 'ep-no-prior-lbb', 'ep-max-two-lbb', 'ep-no-prior-rfa', 'ep-rfa-max-3', 'ep-rfa-interval']);

const personas = personaNames().map((name) => ({ name, resources: resourcesOf(loadPersona(name)) }));
const patientOf = (rs: { resourceType: string; id?: string }[]) => `Patient/${rs.find((r) => r.resourceType === 'Patient')!.id}`;

const day = fc.integer({ min: 10, max: 700 }).map((d) => new Date(Date.UTC(2025, 10, 17) - d * 86_400_000).toISOString().slice(0, 10));
const session = fc.record({ code: fc.constantFrom('97110', '97112', '97140', '97530', '98940', '90834'), date: day });
const block = fc.record({ code: fc.constantFrom('27096', '64451'), date: day, relief: fc.integer({ min: 75, max: 100 }) });

describe('monotonicity', () => {
  it('adding a completed conservative-care session or a qualifying block never turns a met criterion into not-met', () => {
    fc.assert(
      fc.property(fc.constantFrom(...personas), fc.oneof(session.map((s) => ({ kind: 'session' as const, ...s })), block.map((b) => ({ kind: 'block' as const, ...b }))), (persona, add) => {
        const subject = { reference: patientOf(persona.resources) };
        const extra = {
          resourceType: 'Procedure',
          id: `added-${add.kind}-${add.code}-${add.date}`,
          status: 'completed',
          subject,
          code: { coding: [{ system: CPT, code: add.code }] },
          performedDateTime: add.date,
          ...(add.kind === 'block' ? { outcome: { text: `${add.relief}% relief of the index pain` } } : {}),
        };
        const before = determine(library, persona.resources);
        const after = determine(library, [...persona.resources, extra]);
        expect(after.map((d) => d.order.reference)).toEqual(before.map((d) => d.order.reference));
        before.forEach((d, i) => {
          const now = new Map(after[i]!.criteria.map((c) => [c.id, c.status]));
          for (const c of d.criteria) {
            if (c.status !== 'met' || LIMITS.has(c.id)) continue;
            expect(now.get(c.id), `${persona.name} + ${add.kind} ${add.code} ${add.date}: ${c.id}`).not.toBe('not-met');
          }
        });
      }),
      { numRuns: 250, seed: 1121 },
    );
  });
});
