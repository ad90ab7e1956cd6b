// Presentation vocabulary shared by the review components: how each outcome and criterion status is
// named, coloured and iconised (never colour alone), and how dates, codes and people are written.
import type { fhir4 } from './fhir-types';
import type { Alternative, Evidence, Outcome, PlanKind, Status } from '../criteria';

export interface Look {
  label: string;
  /** CSS modifier: the colour comes from styles.css, the meaning from `label` and `icon`. */
  tone: 'bad' | 'warn' | 'unknown' | 'good';
  icon: 'cross' | 'alert' | 'question' | 'check';
}

export const OUTCOME_LOOK: Record<Outcome, Look & { lead: string }> = {
  'not-medically-necessary': {
    label: 'Not medically necessary',
    tone: 'bad',
    icon: 'cross',
    lead: 'The governing policy excludes this procedure whatever the record says.',
  },
  'criteria-not-met': {
    label: 'Criteria not met',
    tone: 'warn',
    icon: 'alert',
    lead: 'The policy covers this procedure conditionally, and the record shows a criterion that fails.',
  },
  'documentation-needed': {
    label: 'Documentation needed',
    tone: 'unknown',
    icon: 'question',
    lead: 'No criterion fails, but at least one cannot be established from the record.',
  },
  'criteria-met': {
    label: 'Criteria met',
    tone: 'good',
    icon: 'check',
    lead: 'Every criterion is met, with evidence from the record.',
  },
};

export const STATUS_LOOK: Record<Status, Look> = {
  met: { label: 'Met', tone: 'good', icon: 'check' },
  'not-met': { label: 'Not met', tone: 'bad', icon: 'cross' },
  unknown: { label: 'Unknown', tone: 'unknown', icon: 'question' },
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2025-03-18" → "18 Mar 2025"; partial dates keep their precision. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return 'undated';
  const [y, m, d] = iso.slice(0, 10).split('-');
  if (!m) return y ?? iso;
  const month = MONTHS[Number(m) - 1] ?? m;
  return d ? `${Number(d)} ${month} ${y}` : `${month} ${y}`;
}

const SYSTEM_NAMES: Record<string, string> = {
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HCPCS',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
};

export function systemName(system: string | undefined): string {
  if (!system) return '';
  return SYSTEM_NAMES[system] ?? system.replace(/^https?:\/\//, '').replace(/^urn:[^:]+:/, '');
}

export function formatCode(code: Evidence['code']): string {
  if (!code) return '';
  const head = [systemName(code.system), code.code].filter(Boolean).join(' ');
  return code.display ? `${head}${head ? ' · ' : ''}${code.display}` : head;
}

export function patientName(p: fhir4.Patient | undefined): string {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  if (!n) return p?.id ? `Patient ${p.id}` : 'Unknown patient';
  return n.text ?? [...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/** Today's date where the user is (YYYY-MM-DD): read once per session, so every age and date on screen and in the letter agrees. */
export function localToday(now: Date = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** Completed years from a birth date to a date, both read as calendar dates (no time zone). "54 y"; "" when unknown. */
export function ageOn(birthDate: string | undefined, on: string): string {
  const b = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(birthDate ?? '');
  const a = /^(\d{4})-(\d{2})-(\d{2})/.exec(on);
  if (!b || !a) return '';
  const [by, bm, bd] = [Number(b[1]), Number(b[2] ?? 1), Number(b[3] ?? 1)];
  const [ay, am, ad] = [Number(a[1]), Number(a[2]), Number(a[3])];
  const age = ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
  return age >= 0 ? `${age} y` : '';
}

/** A practitioner as a letter names them: "Dr. Oren Testwell"; credentials apart ("MD"). */
export function personName(p: { name?: fhir4.HumanName[] } | undefined): string | undefined {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  if (!n) return undefined;
  return n.text ?? ([...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean).join(' ') || undefined);
}

/** Credentials from the name's suffix ("MD") or, failing that, the qualifications' codes. */
export function credentialsOf(p: fhir4.Practitioner | undefined): string | undefined {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  const fromName = n?.suffix?.filter(Boolean).join(', ');
  if (fromName) return fromName;
  const quals = (p?.qualification ?? []).map((q) => q.code.text ?? q.code.coding?.[0]?.display ?? q.code.coding?.[0]?.code).filter(Boolean);
  return quals.length ? quals.join(', ') : undefined;
}

/** Kinds of plan in words (criteria PlanKind); "unknown" has none. */
export const PLAN_WORDS: Partial<Record<PlanKind, string>> = {
  medicare: 'Medicare',
  'medicare-advantage': 'Medicare Advantage',
  medigap: 'Medicare supplement',
  medicaid: 'Medicaid',
  commercial: 'commercial plan',
};

/** "ServiceRequest/abc" → "the order": references are the record's ids, not words a reader can use. */
const REFERENCE_WORDS: Record<string, string> = {
  ServiceRequest: 'the order',
  MedicationRequest: 'the medication order',
  Coverage: 'the coverage on file',
  Condition: 'a diagnosis in the record',
  Procedure: 'a procedure in the record',
  Observation: 'an observation in the record',
  DiagnosticReport: 'a report in the record',
  Patient: 'the patient',
};

/** Engine text with its resource references put into words: " (Coverage/x)" is dropped, other references named. */
export function withoutReferences(text: string): string {
  return text
    .replace(/\s*\((?:[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+(?:,\s*)?)+\)/g, '')
    .replace(/\b([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]+/g, (_m, type: string) => REFERENCE_WORDS[type] ?? 'an entry in the record');
}

/** "6 units" for a quantity above one; nothing otherwise. */
export function unitsOf(quantity: number | undefined): string | undefined {
  return quantity !== undefined && quantity > 1 ? `${quantity} units` : undefined;
}

/** The order as words: "CPT 64772 · Transection or avulsion of other spinal nerve, extradural"; an unlisted code by its reading. */
export function orderInWords(order: { code: { system?: string; code: string; display?: string }; text?: string; reading?: string; ruleKey: string }): string {
  const head = [systemName(order.code.system), order.code.code].filter(Boolean).join(' ');
  // An unlisted code means what the order's words say (64999 read as a neurectomy): the reading, not the code's title.
  const read = order.ruleKey !== order.code.code ? order.reading : undefined;
  const what = read ?? order.code.display ?? order.text ?? order.reading ?? '';
  return what ? `${head} · ${what}` : head;
}

/** An alternative the engine judged and does not stand behind, in words: "64625 would itself be not medically necessary under Aetna CPB 0016". */
export function adviceOnly(a: Alternative): string | undefined {
  if (!a.action || a.actionable !== false || !a.assessment) return undefined;
  return `${a.action.code.display} (${a.action.code.code}) would itself be ${OUTCOME_LOOK[a.assessment.outcome].label.toLowerCase()} under ${a.assessment.policy}, so it is advice, not an order to place.`;
}

/** What an empty evidence list means, by status: "met" is never paired with "nothing in the record speaks to this". */
export function noEvidence(c: { status: Status; byAbsence?: boolean }): string {
  if (c.status === 'met') return c.byAbsence ? 'Met because the record has no such entry.' : 'No record entry is cited for this.';
  if (c.status === 'not-met') return 'Decided by the policy\u2019s terms, not by an entry in the record.';
  return 'No entry in the record speaks to this.';
}

/** "verified" claims are cited plainly; U claims say they rest on secondary summaries. */
export function confidenceNote(c: { confidence: 'S' | 'P' | 'U'; verified: boolean }): string {
  if (!c.verified || c.confidence === 'U') return 'per secondary summaries (unverified)';
  return c.confidence === 'S' ? 'stated in a source determination' : 'read in the published source';
}
