// The criteria model: the shapes every stage of the pipeline shares.
// records (extract) → facts (facts) → criterion results (evaluate) → Determination (determine).
// Policies are data (criteria/policies/*.json); these types describe what a validated policy becomes.

/** The outcome vocabulary (DOMAIN.md §4): one per ordered code, per governing policy. */
export const OUTCOMES = [
  'not-medically-necessary',
  'criteria-not-met',
  'documentation-needed',
  'criteria-met',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const STATUSES = ['met', 'not-met', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

/** DOMAIN.md confidence tags: S stated in a seed, P read in the published source, U secondary summaries only. */
export const CONFIDENCES = ['S', 'P', 'U'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export const CODE_SYSTEMS = {
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
} as const;

/** The order codes the product decides on. 64999 is split by what the order's text and diagnosis say. */
export const ORDER_CODES = ['64772', '64625', '64451', '27096', 'G0260', '64999', 'J1100'] as const;
export type OrderCode = (typeof ORDER_CODES)[number];

/** The key a policy's `codes` table is indexed by: an order code, or 64999 with its reading. */
export const RULE_KEYS = [
  '64772',
  '64625',
  '64451',
  '27096',
  'G0260',
  '64999:neurectomy',
  '64999:coccygeal',
  '64999:unclassified',
  'J1100',
] as const;
export type RuleKey = (typeof RULE_KEYS)[number];

export interface Source {
  /** Where the claim comes from, as a reviewer would cite it. */
  citation: string;
  confidence: Confidence;
  /** false when the claim rests on secondary summaries only ([U]); the text then says "per summaries of …". */
  verified: boolean;
}

/** One dated entry of the record behind a fact. */
export interface Evidence {
  /** "Condition/abc" — openable in the FHIR server the record came from. */
  reference: string;
  resourceType: string;
  /** ISO date (YYYY-MM-DD) of the entry, when the record has one. */
  date?: string;
  /** Code system + code + display of the entry, when coded. */
  code?: { system?: string; code?: string; display?: string };
  /** The value that counted (a score, a percentage, a status), as text a reviewer can read. */
  value?: string;
  /** The FHIRPath expression(s) that found it. */
  path: string;
  /** One line saying why this entry counts. */
  note?: string;
}

/** A fact is a value plus the entries that establish it; `value: undefined` means the record does not say (unknown). */
export interface Fact<T = FactValue> {
  value: T | undefined;
  evidence: Evidence[];
  /** Plain-language summary of how the value was reached ("3 positive of 4 manoeuvres on 2025-09-02"). */
  summary: string;
}
export type FactValue = boolean | number | string;

export const OPERATORS = ['is-true', 'is-false', 'gte', 'gt', 'lte', 'lt'] as const;
export type Operator = (typeof OPERATORS)[number];

/** A leaf criterion as a policy file states it. */
export interface CriterionSpec extends Source {
  id: string;
  text: string;
  fact: string;
  op: Operator;
  value?: number;
  /** What to record when this criterion is unknown. */
  missing?: string;
  /** What the record should show instead when it is not met (shown as the reason). */
  failure?: string;
}

/** A tree over criterion ids. */
export type CriteriaTree = string | { all: CriteriaTree[] } | { any: CriteriaTree[] };

/** An outcome the policy fixes whatever the record says (`when` absent), or only when a tree is met. */
export interface ExclusionSpec extends Source {
  outcome: 'not-medically-necessary';
  reason: string;
  when?: CriteriaTree;
}

/** The policy hands the decision to another body (e.g. Centene → Evolent NIA_CG_305). */
export interface DelegationSpec extends Source {
  to: string;
  guideline: string;
  reason: string;
}

export interface CodeRule {
  title: string;
  exclusion?: ExclusionSpec;
  delegation?: DelegationSpec;
  criteria?: CriteriaTree;
  alternative?: Alternative[];
  /** Text shown with every determination for this code under this policy. */
  notes?: string[];
}

export interface Alternative extends Source {
  id: string;
  text: string;
  /** Offered only when this tree over the policy's criteria is met (e.g. RFA only after positive blocks). */
  when?: CriteriaTree;
  /** Structured action for cards: an order to place instead of, or as well as, this one. */
  action?: {
    kind: 'replace-order' | 'add-order';
    code: { system: string; code: string; display: string };
    resourceType: 'ServiceRequest';
    quantity?: number;
  };
}

export interface PayerMatcher {
  /** Case-insensitive regular expression over Coverage.payor display / Organization.name. */
  name?: string;
  identifier?: { system?: string; value: string };
  /** Coverage.type coding. */
  type?: { system: string; code: string };
}

export interface JurisdictionVariant {
  /** What the determination names as the policy ("L39383"). */
  id: string;
  contractor: string;
  states: string[];
  url: string;
  article?: string;
}

export interface NoPolicyJurisdiction {
  contractor: string;
  states: string[];
  note: string;
  citation: string;
  confidence: Confidence;
}

export const POLICY_KINDS = ['payer-policy', 'clinical-pathway'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface Policy {
  id: string;
  kind: PolicyKind;
  title: string;
  /** How a card names it ("Aetna CPB 0016"; for a jurisdiction variant, "Medicare LCD" + the variant id). */
  shortName: string;
  /** The policy's own words for not-medically-necessary ("not reasonable and necessary"). */
  outcomeWording?: string;
  publisher: string;
  version: string;
  effective: string;
  url: string;
  /** Which payers it governs; a clinical pathway governs none and is the fallback. */
  payers: PayerMatcher[];
  /** States where it governs; absent means everywhere the payer matches. */
  jurisdictions?: JurisdictionVariant[];
  noPolicyJurisdictions?: NoPolicyJurisdiction[];
  criteria: Record<string, CriterionSpec>;
  codes: Partial<Record<RuleKey, CodeRule>>;
  /** The file it came from, for error messages and for reviewers. */
  file: string;
}

export interface AdvisorySpec extends Source {
  id: string;
  title: string;
  text: string;
  url: string;
  appliesTo: RuleKey[];
  /** Applies when this tree is met; an exception makes it not met. */
  when: CriteriaTree;
  criteria: Record<string, CriterionSpec>;
}

/** A criterion as evaluated for one order. */
export interface CriterionResult {
  id: string;
  text: string;
  status: Status;
  evidence: Evidence[];
  /** How the status was reached, in a sentence. */
  summary: string;
  citation: string;
  confidence: Confidence;
  verified: boolean;
  missing?: string;
  /** What the policy says instead, when the criterion is not met. */
  failure?: string;
}

export interface PolicyRef {
  id: string;
  title: string;
  shortName: string;
  publisher: string;
  version: string;
  effective: string;
  url: string;
  kind: PolicyKind;
}

export interface PolicyChoice {
  policy: PolicyRef;
  /** Why this policy governs (payer, jurisdiction, or why the pathway is the fallback). */
  reason: string;
  coverage?: Evidence;
  /** The payer as the patient would recognise it. */
  payerName?: string;
  /** The state used for jurisdiction, when one was needed. */
  state?: string;
}

export interface Finding {
  id: string;
  text: string;
  evidence: Evidence[];
  citation: string;
  confidence: Confidence;
  verified: boolean;
}

export interface Advisory {
  id: string;
  title: string;
  text: string;
  url: string;
  citation: string;
  confidence: Confidence;
  verified: boolean;
  /** Why it applies (or, when suppressed, which exception holds). */
  basis: string;
}

export interface OrderRef {
  /** "ServiceRequest/abc" */
  reference: string;
  resourceType: 'ServiceRequest' | 'MedicationRequest';
  status: string;
  code: { system: string; code: string; display?: string };
  ruleKey: RuleKey;
  text?: string;
  authoredOn?: string;
  quantity?: number;
}

export interface Determination {
  order: OrderRef;
  /** The ordered code (also in order.code), as the CDS card's medical-necessity extension carries it. */
  code: { system: string; code: string };
  outcome: Outcome;
  /** One sentence: the outcome and its main reason. */
  summary: string;
  policy: PolicyRef;
  policyChoice: PolicyChoice;
  /** The reasons the outcome rests on, most important first. */
  reasons: string[];
  criteria: CriterionResult[];
  findings: Finding[];
  missing: string[];
  alternatives: Alternative[];
  advisories: Advisory[];
  notes: string[];
  /** The date the record was judged as of (YYYY-MM-DD). */
  asOf: string;
}

export interface EvaluationOptions {
  /** Judge as of this date (YYYY-MM-DD); default: each order's authoredOn, else today. */
  asOf?: string;
  /** Only these order codes (e.g. ["64772"]). */
  codes?: string[];
  /** Evaluate these orders (e.g. CDS Hooks draftOrders) instead of the record's draft/active ServiceRequests. */
  orders?: unknown[];
}
