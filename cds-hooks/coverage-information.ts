// Stage 5b of the hook: the Da Vinci CRD "coverage information" response type. Per in-scope order one
// systemAction of type "update" returns the order with the ext-coverage-information extension
// (CRD 2.x, StructureDefinition-ext-coverage-information; codes from CodeSystem
// coverage-information-codes via ValueSets coverageInfo, coveragePaDetail, AdditionalDocumentation,
// informationNeeded; reason "technical" from CodeSystem temp via ValueSet coverageAssertionReasons).
// Invariants honoured: coverage, covered, date and coverage-assertion-id are present once;
// crd-ci-q2 not-covered ⇒ no pa-needed; crd-ci-q3 info-needed ⇔ some value is "conditional";
// crd-ci-q5 satisfied-pa-id ⇔ pa-needed "satisfied" (never emitted).
import type { Extension, Reference, Resource } from '@medplum/fhirtypes';
import type { Determination } from '../criteria/model';
import type { Action } from './types';

export const COVERAGE_INFORMATION_URL = 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
export const CRD_TEMP_SYSTEM = 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp';

export const COVERED = ['covered', 'not-covered', 'conditional', 'indeterminate'] as const;
export const PA_NEEDED = ['no-auth', 'auth-needed', 'satisfied', 'performpa', 'conditional', 'indeterminate'] as const;
export const DOC_NEEDED = ['clinical', 'admin', 'patient', 'conditional', 'indeterminate'] as const;
export const INFO_NEEDED = ['performer', 'location', 'timeframe', 'contract-window', 'detail-code', 'OTH'] as const;

export interface CoverageAssertion {
  covered: (typeof COVERED)[number];
  paNeeded?: (typeof PA_NEEDED)[number];
  docNeeded?: (typeof DOC_NEEDED)[number];
  infoNeeded?: (typeof INFO_NEEDED)[number];
  reasons: { coding?: { system: string; code: string; display: string }[]; text: string }[];
}

/**
 * The outcome → CRD mapping (docs/cds-hooks.md). This service judges medical necessity against the
 * payer's published policy; it is not the payer and cannot waive prior authorization, so a covered
 * or conditional answer says "auth-needed": the determination is what a PA request should carry.
 */
export function assertionFor(d: Determination): CoverageAssertion {
  const policy = `${d.policy.title} (${d.policy.id})`;
  switch (d.outcome) {
    case 'not-medically-necessary':
      return { covered: 'not-covered', reasons: [{ text: `${d.order.code.code} is not medically necessary under ${policy}` }] };
    case 'criteria-not-met':
      return {
        covered: 'not-covered',
        docNeeded: 'clinical',
        reasons: [{ text: `${d.summary}: ${d.criteria.find((c) => c.status === 'not-met' && !c.gate)?.text ?? 'a criterion is not met'}. Documentation showing otherwise may change this.` }],
      };
    case 'documentation-needed':
      return {
        covered: 'conditional',
        paNeeded: 'auth-needed',
        docNeeded: 'clinical',
        infoNeeded: 'OTH',
        reasons: [{ text: `Coverage depends on documentation of: ${d.missing.slice(0, 3).join('; ') || 'criteria the record does not establish'}${d.missing.length > 3 ? `; and ${d.missing.length - 3} more` : ''}` }],
      };
    case 'criteria-met':
      return {
        covered: 'covered',
        paNeeded: 'auth-needed',
        reasons: [{ text: `Every criterion of ${policy} is met on the record; submit this determination with the prior authorization request` }],
      };
  }
}

export interface CoverageInformationOptions {
  /** The order as the client sent it; returned with the extension added. */
  order: Resource;
  assertion: CoverageAssertion;
  coverage: Reference;
  /** YYYY-MM-DD the assertion was made. */
  date: string;
  /** Trace id; the card uuid, so feedback and coverage assertions share one key. */
  assertionId: string;
}

export function coverageInformation(opts: CoverageInformationOptions): Action {
  const a = opts.assertion;
  const ext: Extension[] = [
    { url: 'coverage', valueReference: opts.coverage },
    { url: 'covered', valueCode: a.covered },
    ...(a.paNeeded && a.covered !== 'not-covered' ? [{ url: 'pa-needed', valueCode: a.paNeeded }] : []),
    ...(a.docNeeded ? [{ url: 'doc-needed', valueCode: a.docNeeded }] : []),
    ...(a.infoNeeded ? [{ url: 'info-needed', valueCode: a.infoNeeded }] : []),
    ...a.reasons.map((r) => ({ url: 'reason', valueCodeableConcept: r })),
    { url: 'date', valueDate: opts.date },
    { url: 'coverage-assertion-id', valueString: opts.assertionId },
  ];
  const order = opts.order as Resource & { extension?: Extension[] };
  const others = (order.extension ?? []).filter((e) => e.url !== COVERAGE_INFORMATION_URL);
  return {
    type: 'update',
    description: `Coverage information for ${order.resourceType}/${order.id ?? ''}`,
    resource: { ...order, extension: [...others, { url: COVERAGE_INFORMATION_URL, extension: ext }] } as Resource,
  };
}

/**
 * Coverage information speaks for the payer, so it is returned only when the payer's own policy
 * governs the order, about the Coverage the Determination was judged under. Under the evidence
 * pathway (no payer policy, or Medicare where no LCD governs) there is none.
 */
export function payerCoverage(d: Determination): Reference | undefined {
  return d.policy.kind === 'payer-policy' && d.coverage ? { reference: d.coverage.reference } : undefined;
}
