// Questions from facts (criteria/questionnaire.ts) and answers as evidence (criteria/answers.ts):
// every policy's questionnaire is built from its facts; a documentation-needed determination asks
// exactly what the record leaves unknown; answers fill those facts, dated and attributed, and never
// override what the record's entries establish.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildQuestionnaire,
  determine,
  determineWithFacts,
  draftResponse,
  finalResponse,
  questionnaireFor,
  questionnaireFromCanonical,
  ruleFacts,
  type Determination,
} from '../../criteria';
import { DTR } from '../../criteria/dtr-profiles';
import { loadLibraryFromDisk, REPO_ROOT } from '../../server/policy-files';

const lib = loadLibraryFromDisk();
const BASE = 'http://localhost:8080/dtr';
const TODAY = '2026-12-01';

type Json = Record<string, any>;
const questions = (q: Json): Json[] => (q.item as Json[]).flatMap((g) => (g.item as Json[]).filter((i) => i.type !== 'display' || i.linkId === g.linkId.replace(/\.group$/, '')));
const persona = (): Json[] =>
  (JSON.parse(readFileSync(path.join(REPO_ROOT, 'sandbox/patients/sandbox-documentation-needed.json'), 'utf8')) as Json).entry.map((e: Json) => e.resource);

describe("each policy's questionnaire is built from its facts", () => {
  for (const policy of [...lib.policies, lib.pathway]) {
    for (const [ruleKey, rule] of Object.entries(policy.codes)) {
      if (!rule.criteria && !rule.exclusion?.when) continue;
      it(`${policy.id} ${ruleKey}: one item per fact, with the catalogue's question and answer type, its criteria and their sources`, () => {
        const built = buildQuestionnaire(lib, { policy, policyId: policy.id, ruleKey }, { canonicalBase: BASE });
        const q = built.questionnaire;
        const facts = ruleFacts(policy, rule).map((f) => f.fact);
        expect(built.facts).toEqual(facts);
        expect(q.version).toBe(policy.effective);
        expect(q.url).toBe(`${BASE}/Questionnaire/${q.id}`);
        expect(q.id).toMatch(/^[A-Za-z0-9.-]{1,64}$/);
        expect((q.meta as Json).profile).toEqual([DTR.stdQuestionnaire]);
        expect(q.subjectType).toEqual(['Patient']);
        const qs = questions(q);
        expect(qs.map((i) => i.linkId)).toEqual(facts);
        for (const item of qs) {
          const spec = lib.facts.get(item.linkId)!;
          expect(item.text).toBe(spec.question.text);
          expect(item.type).toBe(spec.kind === 'bespoke' ? 'display' : spec.question.answerType);
        }
        for (const group of q.item as Json[]) {
          const fact = group.linkId.replace(/\.group$/, '');
          const cited = (group.item as Json[]).filter((i) => i.type === 'display' && i.linkId !== fact);
          const criteria = ruleFacts(policy, rule).find((f) => f.fact === fact)!.criteria;
          expect(cited.map((c) => c.linkId)).toEqual(criteria.map((c) => `${fact}.${c.id}`));
          criteria.forEach((c, i) => expect(cited[i]!.text).toContain(c.citation));
        }
        // The canonical alone rebuilds the same form: the package operation needs no patient data.
        const again = questionnaireFromCanonical(lib, built.canonical, { canonicalBase: BASE });
        expect('error' in again ? again.error : again.questionnaire).toEqual(q);
      });
    }
  }

  it('the LCD therapeutic branch is asked only when the order is therapeutic (enableWhen on the gate)', () => {
    const policy = lib.policies.find((p) => p.id === 'medicare-lcd-sij')!;
    const q = buildQuestionnaire(lib, { policy, policyId: 'L39383', ruleKey: '27096' }, { canonicalBase: BASE }).questionnaire;
    const group = (fact: string) => (q.item as Json[]).find((g) => g.linkId === `${fact}.group`)!;
    expect(group('last-therapeutic-relief').enableWhen).toEqual([{ question: 'order-is-therapeutic', operator: '=', answerBoolean: true }]);
    expect(group('prior-diagnostic-sessions').enableWhen).toEqual([{ question: 'order-is-diagnostic', operator: '=', answerBoolean: true }]);
    expect(group('sij-diagnosis').enableWhen).toBeUndefined();
  });

  it('a canonical of another form, an unknown mask, another list of facts or an old version is refused with a reason', () => {
    const policy = lib.policies.find((p) => p.id === 'medicare-lcd-sij')!;
    const good = buildQuestionnaire(lib, { policy, policyId: 'L39383', ruleKey: '27096', facts: ['pain-nrs-latest'] }, { canonicalBase: BASE });
    expect('error' in questionnaireFromCanonical(lib, good.canonical, { canonicalBase: BASE })).toBe(false);
    const otherList = good.canonical.replace(/-[0-9a-f]{4}\|/, '-0000|');
    const oldVersion = good.canonical.replace(/\|.*$/, '|1999-01-01');
    for (const c of ['http://x/Questionnaire/other', `${BASE}/Questionnaire/sij-L39383-27096-zz-0000`, otherList, oldVersion]) {
      const r = questionnaireFromCanonical(lib, c, { canonicalBase: BASE });
      expect('error' in r && r.error.length > 10, c).toBe(true);
    }
  });
});

function documentationNeeded(resources: Json[], responses?: Json[]) {
  const [x] = determineWithFacts(lib, resources, { today: TODAY, ...(responses ? { responses } : {}) });
  return x!;
}

/** A completed response answering the asked facts, as the app writes it back. */
function answered(d: Determination, answers: Record<string, number | boolean | string>, opts: { authored?: string; author?: string | null; status?: string } = {}): Json {
  const { determination, facts } = documentationNeeded(persona());
  const built = questionnaireFor(lib, determination, { canonicalBase: BASE }, facts)!;
  const key = (v: unknown) => (typeof v === 'boolean' ? 'valueBoolean' : typeof v === 'number' ? 'valueInteger' : 'valueDate');
  const renderer = {
    item: built.facts.map((f) => ({ linkId: `${f}.group`, item: answers[f] === undefined ? [{ linkId: f }] : [{ linkId: f, answer: [{ [key(answers[f])]: answers[f] }] }] })),
  };
  const qr = finalResponse(built, renderer, {
    subject: 'Patient/sbxdocs-patient',
    order: d.order.reference,
    coverage: d.coverage?.reference,
    author: 'Practitioner/sandbox-practitioner',
    authored: opts.authored ?? '2026-11-30T10:00:00Z',
    status: 'completed',
  }) as Json;
  qr.id = 'qr-1';
  if (opts.status) qr.status = opts.status;
  if (opts.author === null) delete qr.author;
  if (opts.author === null) for (const g of qr.item) for (const i of g.item ?? []) for (const a of i.answer ?? []) delete a.extension;
  return qr;
}

describe('answers as evidence', () => {
  const base = documentationNeeded(persona()).determination;

  it('the sandbox persona needs documentation of exactly two facts: the current pain and the provocative manoeuvres', () => {
    expect(base.outcome).toBe('documentation-needed');
    const { determination, facts } = documentationNeeded(persona());
    const built = questionnaireFor(lib, determination, { canonicalBase: BASE }, facts)!;
    expect(built.facts).toEqual(['pain-nrs-latest', 'positive-provocative-tests']);
    expect(questions(built.questionnaire).map((i) => i.type)).toEqual(['integer', 'integer']);
  });

  it('answering them takes the order to criteria-met; each answer is evidence with its author, date and item', () => {
    const qr = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 });
    const [d] = determine(lib, [...persona(), qr], { today: TODAY });
    expect(d!.outcome, d!.reasons.join(' | ')).toBe('criteria-met');
    const pain = d!.criteria.find((c) => c.id === 'lcd-severity')!;
    expect(pain.status).toBe('met');
    expect(pain.evidence).toContainEqual(
      expect.objectContaining({
        reference: 'QuestionnaireResponse/qr-1',
        date: '2026-11-30',
        author: 'Practitioner/sandbox-practitioner',
        path: "QuestionnaireResponse.item.where(linkId='pain-nrs-latest').answer.value",
      }),
    );
    expect(pain.summary).toMatch(/answered "7\/10" by Practitioner\/sandbox-practitioner on 2026-11-30/);
  });

  it('an answer that fails a criterion makes it not-met', () => {
    const qr = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 1 });
    const [d] = determine(lib, [...persona(), qr], { today: TODAY });
    expect(d!.outcome).toBe('criteria-not-met');
    expect(d!.criteria.find((c) => c.id === 'lcd-provocative')!.status).toBe('not-met');
  });

  it('a form being filled counts while passed as the open form; an in-progress response in the record does not', () => {
    const draft = { ...answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 }), status: 'in-progress' };
    expect(determine(lib, [...persona(), draft], { today: TODAY })[0]!.outcome).toBe('documentation-needed');
    expect(determine(lib, persona(), { today: TODAY, responses: [draft] })[0]!.outcome).toBe('criteria-met');
  });

  it('an answer with no author or no date is not read', () => {
    const unsigned = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 }, { author: null });
    expect(determine(lib, [...persona(), unsigned], { today: TODAY })[0]!.outcome).toBe('documentation-needed');
    const undated = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 });
    delete undated.authored;
    expect(determine(lib, [...persona(), undated], { today: TODAY })[0]!.outcome).toBe('documentation-needed');
  });

  it('an answer given after the judging date is not read', () => {
    const later = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 }, { authored: '2027-01-05T10:00:00Z' });
    expect(determine(lib, [...persona(), later], { today: TODAY })[0]!.outcome).toBe('documentation-needed');
  });

  it("an answer never overrides the record's own entries: the record stands and the conflict is shown", () => {
    // The record itself says the pain is 2/10; an answer of 8 does not replace it.
    const score = {
      resourceType: 'Observation',
      id: 'sbxdocs-obs-pain',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
      subject: { reference: 'Patient/sbxdocs-patient' },
      effectiveDateTime: '2025-11-10',
      valueQuantity: { value: 2, unit: '{score}' },
    };
    const qr = answered(base, { 'pain-nrs-latest': 8, 'positive-provocative-tests': 3 });
    const [d] = determine(lib, [...persona(), score, qr], { today: TODAY });
    expect(d!.criteria.find((c) => c.id === 'lcd-severity')!.status).toBe('not-met');
    const flag = d!.flags.find((f) => f.id === 'answer-conflicts-with-record')!;
    expect(flag.text).toMatch(/differs from the record/);
    expect(flag.evidence.map((e) => e.reference)).toEqual(['QuestionnaireResponse/qr-1', 'Observation/sbxdocs-obs-pain']);
  });

  it('a response to a form of another service is not read', () => {
    const qr = { ...answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 }), questionnaire: 'http://other.example/Questionnaire/pain|1' };
    expect(determine(lib, [...persona(), qr], { today: TODAY })[0]!.outcome).toBe('documentation-needed');
  });

  it('the written response carries DTR context, intendedUse and an information-origin on every answer', () => {
    const qr = answered(base, { 'pain-nrs-latest': 7, 'positive-provocative-tests': 3 });
    expect(qr.meta.profile).toEqual([DTR.questionnaireResponse]);
    const context = qr.extension.filter((e: Json) => e.url === DTR.context).map((e: Json) => e.valueReference.reference);
    expect(context).toEqual(['ServiceRequest/sbxdocs-order-1', 'Coverage/sbxdocs-coverage']);
    expect(qr.extension.some((e: Json) => e.url === DTR.intendedUse)).toBe(true);
    const origins = qr.item.flatMap((g: Json) => g.item.flatMap((i: Json) => i.answer.map((a: Json) => a.extension[0])));
    expect(origins).toHaveLength(2);
    for (const o of origins) {
      expect(o.url).toBe(DTR.origin);
      expect(o.extension).toEqual([{ url: 'source', valueCode: 'manual' }, { url: 'author', extension: [{ url: 'practitioner', valueReference: { reference: 'Practitioner/sandbox-practitioner' } }] }]);
    }
  });

  it('the draft response prefills what the record establishes as "auto" answers', () => {
    const policy = lib.policies.find((p) => p.id === 'medicare-lcd-sij')!;
    const built = buildQuestionnaire(lib, { policy, policyId: 'L39383', ruleKey: '27096', facts: ['sij-diagnosis', 'pain-nrs-latest'] }, { canonicalBase: BASE });
    const draft = draftResponse(lib, built, { subject: 'Patient/p', order: 'ServiceRequest/o', coverage: 'Coverage/c' }, new Map([['sij-diagnosis', true]])) as Json;
    expect(draft.status).toBe('in-progress');
    expect(draft.questionnaire).toBe(built.canonical);
    expect(draft.item[0].item[0].answer).toEqual([{ valueBoolean: true, extension: [{ url: DTR.origin, extension: [{ url: 'source', valueCode: 'auto' }] }] }]);
    expect(draft.item[1].item[0].answer).toBeUndefined();
  });
});
