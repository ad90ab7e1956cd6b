// The criteria model: the shapes every stage of the pipeline shares, and nothing else (no behaviour).
//   records (records.ts, relief.ts, sessions.ts) → facts (facts.ts) → criterion results (evaluate.ts)
//   → Determination (determine.ts)
// The clinical vocabulary is data: trigger codes, value sets, the fact catalogue, policies, advisories
// and checks are JSON files validated by library.ts. These types describe what they become.
import type { Mention } from './negation';

/** The outcome vocabulary: one per ordered code, per governing policy. */
export const OUTCOMES = ['not-medically-necessary', 'criteria-not-met', 'documentation-needed', 'criteria-met'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const STATUSES = ['met', 'not-met', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

/** Confidence tags: S stated in a reviewer determination, P read in the published source, U secondary summaries only. */
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

/** A rule key names what a policy's `codes` table is indexed by: an order code, or a reading of it ("64999:coccygeal"). Defined in criteria/vocabulary/triggers.json. */
export type RuleKey = string;

export interface CodingLike {
  system?: string;
  code?: string;
  display?: string;
}
export interface ConceptLike {
  coding?: CodingLike[];
  text?: string;
}

export interface Source {
  /** Where the claim comes from, as a reviewer would cite it: a published source, or a page under docs/clinical/. */
  citation: string;
  confidence: Confidence;
  /** false when the claim rests on secondary summaries only (U); the text then says "per summaries of …". */
  verified: boolean;
}

/** One dated entry of the record behind a fact. */
export interface Evidence {
  /** "Condition/abc": openable in the FHIR server the record came from. */
  reference: string;
  resourceType: string;
  /** ISO date (YYYY-MM-DD) of the entry, when the record has one. */
  date?: string;
  /** Code system + code + display of the entry, when coded. */
  code?: { system?: string; code?: string; display?: string };
  /** The value that counted (a score, a percentage, a status), as text a reviewer can read. */
  value?: string;
  /** The sentence a number or a finding was read from, quoted from the record. */
  quote?: string;
  /** The FHIRPath expression(s) that found it. */
  path: string;
  /** One line saying why this entry counts. */
  note?: string;
  /** Who gave it, when the entry is an answer ("Practitioner/…"): answers are evidence with their author and date. */
  author?: string;
}

export type FactValue = boolean | number;

/** A fact is a value plus the entries that establish it; `value: undefined` means the record does not say (unknown). */
export interface Fact {
  value: FactValue | undefined;
  evidence: Evidence[];
  /** Plain-language summary of how the value was reached ("3 positive of 4 manoeuvres on 2025-09-02"). */
  summary: string;
  /**
   * For numbers the record bounds but does not pin down (a month-only onset, "more than 6 months",
   * "less than 50%"): the value lies in [min, max]. Criteria are met or not met only when the whole
   * range decides; otherwise unknown.
   */
  range?: [number, number];
  /** The value rests on the absence of entries ("no prior block in the record"), which the summary states. */
  byAbsence?: boolean;
  /** An answer that differs from what the record's entries establish: the record stands, and this is shown. */
  conflict?: { text: string; evidence: Evidence[] };
}

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

/**
 * A tree over criterion ids. `{ if, then }` is a gate: it selects a branch (a diagnostic or a
 * therapeutic session) and, when its criterion is not met, the branch does not apply: inside `any`
 * it is passed over, inside `all` it holds vacuously, and it is never shown as a reason.
 */
export type CriteriaTree = string | { all: CriteriaTree[] } | { any: CriteriaTree[] } | { if: string; then: CriteriaTree };

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
  /**
   * Whether the criteria encode the policy's whole rule for this code. An incomplete rule can never
   * return criteria-met: at best documentation-needed, naming what must be checked by hand.
   */
  complete: boolean;
  /** For an incomplete rule: the provisions not encoded, which a reviewer must check against the policy. */
  unencoded?: string[];
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
  /**
   * When the action orders a procedure the engine decides on: the same engine's determination of
   * that order, on the same record, under the policy that would govern it.
   */
  assessment?: { outcome: Outcome; summary: string; policy: string; policyKind: PolicyKind };
  /**
   * Whether the product stands behind the action: set on determinations. An action whose own
   * assessment is not criteria-met or documentation-needed is advice, not a suggestion to accept.
   */
  actionable?: boolean;
}

/** The kinds of plan a Coverage can be, as far as policy selection cares. */
export const PLAN_KINDS = ['medicare', 'medicare-advantage', 'medigap', 'medicaid', 'commercial', 'unknown'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

export interface PayerMatcher {
  /** Case-insensitive regular expression over Coverage.payor display / Organization name and alias. */
  name?: string;
  identifier?: { system?: string; value: string };
  /** Coverage.type coding (the system may be given by URL or OID; criteria/vocabulary/code-systems.json lists aliases). */
  type?: { system: string; code: string };
  /** Matches only plans of these kinds (e.g. a commercial bulletin does not govern its company's Medicare Advantage plan). */
  planKinds?: PlanKind[];
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
  /** First date of service the policy governs (YYYY-MM-DD). */
  effective: string;
  /** Last date of service it governs, when it has been retired or superseded. */
  retired?: string;
  url: string;
  /** The product's own page on this policy (docs/clinical/…): each criterion, its source and confidence. */
  rationale?: string;
  /** Which payers it governs; a clinical pathway governs none and is the fallback. */
  payers: PayerMatcher[];
  /** States where it governs; absent means everywhere the payer matches. */
  jurisdictions?: JurisdictionVariant[];
  noPolicyJurisdictions?: NoPolicyJurisdiction[];
  /** Medicare Advantage members in a jurisdiction of this policy are judged under it (42 CFR 422.101(b)(6)). */
  bindsMedicareAdvantage?: boolean;
  criteria: Record<string, CriterionSpec>;
  codes: Record<RuleKey, CodeRule>;
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
  /** Shown as "may apply" when `when` is unknown (default true); false for flags the record rarely states (pregnancy). */
  showWhenUnknown?: boolean;
  /** A patient-safety advisory (pregnancy and fluoroscopy): the one kind a card may mark critical. */
  safety?: boolean;
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
  /** The fact the criterion reads (the fact catalogue id), so a questionnaire can ask for it. */
  fact?: string;
  /** Met on the absence of entries, which the summary states. */
  byAbsence?: boolean;
  /** A branch gate (diagnostic or therapeutic session): decides which criteria apply, never a reason by itself. */
  gate?: boolean;
}

export interface PolicyRef {
  id: string;
  title: string;
  shortName: string;
  publisher: string;
  version: string;
  effective: string;
  retired?: string;
  url: string;
  rationale?: string;
  kind: PolicyKind;
}

/** The Coverage a determination was judged under: the cards, the CRD coverage information, the app and the letter name this one. */
export interface CoverageRef {
  reference: string;
  payerName?: string;
  planKind: PlanKind;
  /** Coverage.subscriberId, else the member identifier. */
  memberId?: string;
  /** Coverage.type, as coded. */
  type?: { system?: string; code?: string; display?: string };
  period?: { start?: string; end?: string };
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

/** Something about the record or the order a reader must see, which is not a reason for the outcome (a deleted code, a future date). */
export interface Flag {
  id: string;
  text: string;
  evidence: Evidence[];
  citation?: string;
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
  safety?: boolean;
}

export interface OrderRef {
  /** "ServiceRequest/abc" */
  reference: string;
  resourceType: 'ServiceRequest' | 'MedicationRequest';
  status: string;
  code: { system: string; code: string; display?: string };
  ruleKey: RuleKey;
  /** What the rule key means, in words ("unlisted nervous-system procedure read as a coccygeal procedure"). */
  reading?: string;
  text?: string;
  authoredOn?: string;
  /** ServiceRequest.occurrence[x]: the planned date of service, when given. */
  occurrence?: string;
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
  /** The Coverage judged under, when the record has one. */
  coverage?: CoverageRef;
  /** The reasons the outcome rests on, most important first. */
  reasons: string[];
  criteria: CriterionResult[];
  findings: Finding[];
  flags: Flag[];
  missing: string[];
  alternatives: Alternative[];
  advisories: Advisory[];
  notes: string[];
  /**
   * Documentation-needed only: the facts a clinician can answer to settle what the record leaves
   * unknown, in the rule's order. The documentation questionnaire asks exactly these
   * (criteria/questionnaire.ts).
   */
  questions?: string[];
  /** The date the record was judged as of (YYYY-MM-DD). */
  asOf: string;
  /** The date of service the policy's effective dates were checked against. */
  dateOfService: string;
}

export interface EvaluationOptions {
  /** Judge as of this date (YYYY-MM-DD); default: each order's authoredOn, else today (never later than today). */
  asOf?: string;
  /** Today's date (YYYY-MM-DD), for reproducible runs; default: the clock. */
  today?: string;
  /** Only these order codes (e.g. ["64772"]). */
  codes?: string[];
  /** Evaluate these orders (e.g. CDS Hooks draftOrders) instead of the record's draft/active ServiceRequests. */
  orders?: unknown[];
  /**
   * QuestionnaireResponses being filled in (the form open in the app): read as answers whatever their
   * status. Those in the record count only when completed or amended.
   */
  responses?: unknown[];
}

// ——— The library: what library.ts builds from the data files ———

export interface ConceptMatch {
  /** The coding that matched, or undefined when the words did. */
  coding?: CodingLike;
  /** The class tag of the include that matched, if any. */
  cls?: string;
  by: 'code' | 'text';
  /** When the words matched: the sentence they stand in. */
  quote?: string;
}

/** What else an entry says besides its code: its other words (a note, a report's conclusion) and its body sites. */
export interface EntryContext {
  /** The entry's other words; a function when they cost something to gather and may not be needed. */
  text?: string | (() => string);
  sites?: ConceptLike[];
}

export interface ValueSetMatcher {
  id: string;
  title: string;
  /** Match one CodeableConcept (or several): by code, or by words when no code decides. `entry` adds the entry's own words and body sites. */
  match(concepts: ConceptLike | ConceptLike[] | undefined, entry?: EntryContext): ConceptMatch | undefined;
  has(concepts: ConceptLike | ConceptLike[] | undefined, entry?: EntryContext): boolean;
  /** Every mention of the set's text patterns in free text, with its class and context (report findings). */
  mentionsIn(text: string): { cls?: string; mention: Mention }[];
  /** The codes it lists, per include (for the known-code registry and for questionnaires). */
  codes: { system?: string; codes: string[]; prefixes: string[] }[];
}

export const ANSWER_TYPES = ['boolean', 'integer', 'decimal', 'date'] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

/** One entry of the fact catalogue (criteria/facts/*.json): a named fact, the kind that computes it, its parameters, and how a clinician would answer it. */
export interface FactSpec {
  id: string;
  kind: string;
  label: string;
  /** The unit of a numeric fact ("weeks", "%", "sessions"). */
  unit?: string;
  params: Record<string, unknown>;
  /** What to ask when the record is silent (a documentation questionnaire builds on this). */
  question: {
    text: string;
    answerType: AnswerType;
    unit?: string;
    /** When the answer is naturally an Observation (a pain score): the code (and unit) an answer is written back with. */
    observation?: { code: { system: string; code: string; display: string }; unit?: { system: string; code: string; unit: string } };
  };
  file: string;
}

/** A reading of an order code (64999 is read from the order's words and diagnosis). */
export interface TriggerReading {
  ruleKey: RuleKey;
  /** What the rule key means, in words. */
  reading: string;
  /**
   * The order's words that select this reading (read with negation); absent for the fallback. A
   * diagnosis alone never selects one: it says what is treated, not which procedure is done.
   */
  text?: RegExp;
}

export interface TriggerSpec {
  code: string;
  /** The order resources that may carry the code (a drug may be ordered as a ServiceRequest or a MedicationRequest). */
  resourceTypes: ('ServiceRequest' | 'MedicationRequest')[];
  title: string;
  readings: TriggerReading[];
  /** The procedure family (a value set id) the ordered procedure belongs to. */
  family?: string;
  /** An invasive SIJ modality (for "one invasive modality at a time"). */
  invasive?: boolean;
  /** Judged with the first of these in the same request or the record's open orders (J1100 with its injection), and why. */
  follows?: { ruleKeys: RuleKey[]; citation: string; confidence: Confidence };
  /** A drug order: the medication value set, and the words that make it an injection. */
  medication?: { valueSet: string; routeText: RegExp };
}

export interface Triggers {
  /** Code systems an order code may arrive in (EHRs spell CPT and HCPCS several ways). */
  orderSystems: Set<string>;
  byCode: Map<string, TriggerSpec>;
  ruleKeys: Map<RuleKey, { trigger: TriggerSpec; reading: TriggerReading }>;
}

export interface OrderCheckSpec extends Source {
  id: string;
  text: string;
  appliesTo: RuleKey[];
  /** The check fires when this tree over its own criteria is met. */
  when: CriteriaTree;
  criteria: Record<string, CriterionSpec>;
  alternative?: Alternative;
  /** A finding that keeps an otherwise approvable order from being approved as written. */
  downgrade?: { from: Outcome; to: Outcome; missing: string };
  /** Fires when its tree is unknown as well as met: the record does not show what the check looks for. */
  firesWhenUnknown?: boolean;
}

/** A procedure family: a value set bound to procedure-like entries, with how its sessions are read. */
export interface FamilySpec {
  id: string;
  label: string;
  /** Lower first: an entry that matches several families belongs to the first. */
  priority: number;
  /** How a session's phase is read when the record does not say: always diagnostic, always therapeutic, or diagnostic until a positive diagnostic session. */
  phase?: 'diagnostic' | 'therapeutic' | 'sequence';
  /** Relief at or above this makes a diagnostic session positive (for the sequence rule). */
  positiveAt?: number;
  /** Relief after a session of this family is read (blocks, injections, ablations). */
  readsRelief: boolean;
}

export interface PlanRule {
  kind: PlanKind;
  /** Coverage.type codings that make a plan this kind. */
  types: { system: string; code: string }[];
  /** Case-insensitive patterns over the payer's names and the Coverage's type text and class names. */
  names: RegExp[];
}

/** The reading configuration (criteria/vocabulary/reading.json): which value sets play which part in extraction. */
export interface ReadingConfig {
  /** History, family-history and screening codes: never active disease. */
  historyValueSet: string;
  /** Codes deleted from their code system: flagged on the determination. */
  deletedCodesValueSet: string;
  painScores: string;
  reliefObservations: string;
  /** Body sites a pain score may name and still be the index pain. */
  indexPainSites: string;
  laterality: { left: string[]; right: string[]; bilateral: string[] };
}

export interface PolicyLibrary {
  policies: Policy[];
  /** The clinical pathway used when no payer policy governs. */
  pathway: Policy;
  advisories: AdvisorySpec[];
  checks: OrderCheckSpec[];
  facts: Map<string, FactSpec>;
  triggers: Triggers;
  families: FamilySpec[];
  reading: ReadingConfig;
  plans: PlanRule[];
  /** State and territory names and codes → the two-letter code. */
  states: Map<string, string>;
  /** Value sets bound to each kind of entry, for the cheap first test that passes unrelated entries over. */
  bound: { condition: string[]; observation: string[]; medication: string[]; allergy: string[] };
  valueSet(id: string): ValueSetMatcher;
  /** One matcher for the union of several value sets: a cheap first test before asking each. */
  anyOf(ids: readonly string[]): ValueSetMatcher;
  /** The first of these value sets (in the order given) the concept belongs to, in one pass. */
  classify(ids: readonly string[], concepts: ConceptLike | ConceptLike[] | undefined, entry?: EntryContext): string | undefined;
  /** A value set as its file states it (a FHIR ValueSet), for the questionnaire package. */
  valueSetResource(id: string): Record<string, unknown> | undefined;
  /** Canonical code-system URL for a system written as a URL or an OID. */
  canonicalSystem(system: string | undefined): string | undefined;
  /** Payer policies indexed by the rule keys they address. */
  byRuleKey: Map<RuleKey, Policy[]>;
}
