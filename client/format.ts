// Presentation vocabulary shared by the review components: how each outcome and criterion status is
// named, coloured and iconised (never colour alone), and how dates, codes and people are written.
import type { fhir4 } from './fhir-types';
import type { Evidence, Outcome, Status } from '../criteria';

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

export function ageOn(birthDate: string | undefined, asOf: string): string {
  if (!birthDate) return '';
  const b = new Date(birthDate);
  const a = new Date(asOf);
  let age = a.getFullYear() - b.getFullYear();
  if (a.getMonth() < b.getMonth() || (a.getMonth() === b.getMonth() && a.getDate() < b.getDate())) age--;
  return `${age} y`;
}

/** "verified" claims are cited plainly; U claims say they rest on secondary summaries. */
export function confidenceNote(c: { confidence: 'S' | 'P' | 'U'; verified: boolean }): string {
  if (!c.verified || c.confidence === 'U') return 'per secondary summaries (unverified)';
  return c.confidence === 'S' ? 'stated in a source determination' : 'read in the published source';
}
