// The determination letter as data: what a reviewer sends the ordering practitioner, built from the
// Determinations of one order, the record they were read from, the signed-in user and the
// deployment's letterhead (config/letter.json, served in /app-config.js). Pure, so every rule of the
// letter is tested without a browser: each section once, the record's entries (never policy text) as
// evidence, no resource ids or rule keys, and the one age the banner shows.
import { headline, type Determination, type Evidence } from '../criteria';
import type { LetterConfig } from '../common/letter-config';
import type { fhir4 } from './fhir-types';
import { OUTCOME_LOOK, STATUS_LOOK, adviceOnly, ageOn, credentialsOf, formatCode, formatDate, noEvidence, orderInWords, PLAN_WORDS, patientName, personName, unitsOf, withoutReferences } from './format';
import { citationsOf } from './Citations';

type Resource = fhir4.Resource;

export interface EvidenceLine {
  date: string;
  what: string;
  value?: string;
  /** The sentence the value was read from, as the record says it. */
  quote?: string;
}

export interface LetterCriterion {
  text: string;
  status: string;
  /** How a met criterion was reached (a not-met or unknown one is already a reason). */
  finding?: string;
  /** Only entries of the record; when there are none, `none` says why in words. */
  evidence: EvidenceLine[];
  none?: string;
}

export interface LetterOrder {
  key: string;
  title: string;
  units?: string;
  orderNumber?: string;
  authored: string;
  dateOfService: string;
  /** Set when the order gives no date of service and the order's date stands in for it. */
  dateOfServiceNote?: string;
  decision: { label: string; sentence: string };
  policy: string;
  reasons: { text: string; evidence: EvidenceLine[] }[];
  criteria: LetterCriterion[];
  /** Findings not already given as a reason (normally none). */
  otherFindings: string[];
  change: string[];
  alternatives: string[];
  advisories: string[];
  notes: string[];
}

export interface LetterModel {
  hypothetical: boolean;
  date: string;
  letterhead: { organisation: string; department?: string; address: string[]; contact: string[] };
  addressee: { name: string; organisation?: string };
  salutation: string;
  patient: { name: string; born: string; age: string; memberId: string; payer: string; plan?: string };
  orders: LetterOrder[];
  appeal: string[];
  reviewer: { name?: string; credentials?: string; title?: string };
  sources: string[];
  prepared: string;
}

export interface LetterInput {
  determinations: Determination[];
  patient: fhir4.Patient;
  resources: readonly Resource[];
  fhirBase: string;
  /** The session's date (client/format.ts localToday): the letter's date and the age the banner shows. */
  today: string;
  /** The signed-in user (fhirUser), when it could be read. */
  user?: fhir4.Practitioner | fhir4.PractitionerRole;
  config?: LetterConfig;
  /** An evaluation of a code the record has no order for ("try it on any FHIR server"). */
  hypothetical?: boolean;
}

/** Shown when the server sent no letterhead (the app served by something other than this product's server). */
const NO_LETTERHEAD: LetterConfig = {
  organisation: 'Medical-necessity review',
  address: ['(no letterhead configured: set LETTER_CONFIG on the server)'],
  contact: {},
  appeal: 'If you disagree with this determination, you may appeal to {payer} under the plan\u2019s appeal procedure.',
};

function byReference(resources: readonly Resource[], reference: string | undefined): Resource | undefined {
  if (!reference) return undefined;
  return resources.find((r) => `${r.resourceType}/${r.id}` === reference);
}

/** The person behind a requester or user reference: a Practitioner, or a PractitionerRole's practitioner and organisation. */
interface Person {
  name?: string;
  /** How a salutation names them: "Dr. Testwell". */
  formal?: string;
  credentials?: string;
  organisation?: string;
}

function formalName(p: fhir4.Practitioner | undefined): string | undefined {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  return n?.family ? [...(n.prefix ?? []), n.family].join(' ') : undefined;
}

function person(resources: readonly Resource[], who: Resource | undefined): Person {
  if (who?.resourceType === 'Practitioner') {
    const p = who as fhir4.Practitioner;
    return { name: personName(p), formal: formalName(p), credentials: credentialsOf(p) };
  }
  if (who?.resourceType === 'PractitionerRole') {
    const role = who as fhir4.PractitionerRole;
    const p = byReference(resources, role.practitioner?.reference) as fhir4.Practitioner | undefined;
    return {
      name: personName(p) ?? role.practitioner?.display,
      formal: formalName(p),
      credentials: credentialsOf(p),
      organisation: role.organization?.display ?? (byReference(resources, role.organization?.reference) as fhir4.Organization | undefined)?.name,
    };
  }
  return {};
}

function evidenceLine(e: Evidence): EvidenceLine {
  const what = formatCode(e.code) || e.note || e.resourceType.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return {
    date: formatDate(e.date),
    what: withoutReferences(what),
    ...(e.value ? { value: withoutReferences(e.value) } : {}),
    ...(e.quote ? { quote: e.quote } : {}),
  };
}

function orderSection(d: Determination, resources: readonly Resource[]): LetterOrder {
  const look = OUTCOME_LOOK[d.outcome];
  const resource = byReference(resources, d.order.reference) as fhir4.ServiceRequest | fhir4.MedicationRequest | undefined;
  const findingEvidence = new Map(d.findings.map((f) => [f.text, f.evidence.map(evidenceLine)]));
  const givenDate = d.order.occurrence !== undefined;
  const unknownOrNotMet = d.criteria.filter((c) => c.status !== 'met' && !c.gate);
  const change =
    d.outcome === 'criteria-met'
      ? []
      : d.outcome === 'not-medically-necessary'
        ? [`Under ${d.policy.shortName} no further documentation changes this decision for this procedure: the policy does not cover it for this patient.`]
        : [
            ...unknownOrNotMet.filter((c) => c.status === 'not-met').map((c) => `${c.text}: ${c.failure ?? 'the record would have to show this criterion met'}.`),
            ...d.missing,
          ];
  return {
    key: `${d.order.reference}|${d.order.ruleKey}`,
    title: orderInWords(d.order),
    ...(unitsOf(d.order.quantity) ? { units: unitsOf(d.order.quantity) } : {}),
    ...(resource?.identifier?.[0]?.value ? { orderNumber: resource.identifier[0].value } : {}),
    authored: formatDate(d.order.authoredOn),
    dateOfService: formatDate(d.dateOfService),
    ...(givenDate ? {} : { dateOfServiceNote: 'the order gives no date of service; the order\u2019s date is used' }),
    decision: { label: look.label, sentence: withoutReferences(headline(d)) },
    policy: withoutReferences(
      `${d.policy.title.startsWith(d.policy.publisher) ? d.policy.title : `${d.policy.publisher}, ${d.policy.title}`}, effective ${formatDate(d.policy.effective)}${
        d.policy.kind === 'clinical-pathway' ? ': a clinical evidence pathway, not the payer\u2019s own policy' : ''
      }. ${d.policyChoice.reason}`,
    ),
    reasons: [...new Set(d.reasons)].map((r) => ({ text: withoutReferences(r), evidence: findingEvidence.get(r) ?? [] })),
    criteria: d.criteria.map((c) => {
      const evidence = c.evidence.map(evidenceLine);
      return {
        text: withoutReferences(c.text) + (c.gate ? ' (decides which criteria apply)' : ''),
        status: STATUS_LOOK[c.status].label,
        ...(c.status === 'met' ? { finding: withoutReferences(c.summary) } : {}),
        evidence,
        ...(evidence.length === 0 ? { none: noEvidence(c) } : {}),
      };
    }),
    otherFindings: d.findings.filter((f) => !d.reasons.includes(f.text)).map((f) => withoutReferences(f.text)),
    change: [...new Set(change.map(withoutReferences))],
    alternatives: d.alternatives.map((a) => withoutReferences([a.text, adviceOnly(a)].filter(Boolean).join(' '))),
    advisories: d.advisories.map((a) => withoutReferences(`${a.title}: ${a.text} (${a.basis})`)),
    notes: [...d.flags.map((f) => f.text), ...d.notes].map(withoutReferences),
  };
}

function fill(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? (key in values ? '' : m)).replace(/\s+([,.;])/g, '$1');
}

export function buildLetter(input: LetterInput): LetterModel | undefined {
  const { determinations, patient, resources, today } = input;
  const first = determinations[0];
  if (!first) return undefined;
  const config = input.config ?? NO_LETTERHEAD;
  const coverage = first.coverage;
  const payer = coverage?.payerName ?? first.policyChoice.payerName;

  const requesters = [
    ...new Set(
      determinations
        .map((d) => (byReference(resources, d.order.reference) as fhir4.ServiceRequest | undefined)?.requester?.reference)
        .filter((r): r is string => !!r),
    ),
  ].map((ref) => person(resources, byReference(resources, ref)));
  const named = requesters.filter((r) => r.name);
  const addressee = named.length
    ? { name: named.map((r) => [r.name, r.credentials].filter(Boolean).join(', ')).join('; '), ...(named[0]!.organisation ? { organisation: named[0]!.organisation } : {}) }
    : { name: 'The ordering practitioner' };

  const user: Person = input.user ? person([...resources, input.user], input.user) : {};
  const reviewer: LetterModel['reviewer'] = user.name
    ? { name: user.name, credentials: user.credentials ?? config.reviewer?.credentials, ...(config.reviewer?.title ? { title: config.reviewer.title } : {}) }
    : config.reviewer
      ? { name: config.reviewer.name, credentials: config.reviewer.credentials, title: config.reviewer.title }
      : {};

  const contact = config.contact;
  const values = {
    payer: payer ?? 'the patient\u2019s health plan',
    organisation: config.organisation,
    phone: contact.phone,
    fax: contact.fax,
    email: contact.email,
    reviewer: reviewer.name,
  };
  const adverse = determinations.some((d) => d.outcome !== 'criteria-met');
  const appeal = input.hypothetical || !adverse ? [] : [config.appeal, config.peerToPeer].filter((p): p is string => !!p).map((p) => fill(p, values));

  const sources = [
    ...new Set(
      determinations.flatMap((d) => [`${d.policy.publisher}, ${d.policy.title}, version ${d.policy.version}: ${d.policy.url}`, ...citationsOf(d)]),
    ),
  ].map(withoutReferences);

  return {
    hypothetical: !!input.hypothetical,
    date: formatDate(today),
    letterhead: {
      organisation: config.organisation,
      ...(config.department ? { department: config.department } : {}),
      address: config.address,
      contact: [
        contact.phone && `Phone ${contact.phone}`,
        contact.fax && `Fax ${contact.fax}`,
        contact.email,
        contact.web,
      ].filter((c): c is string => !!c),
    },
    addressee,
    salutation: named.length === 1 ? `Dear ${named[0]!.formal ?? named[0]!.name},` : 'Dear colleague,',
    patient: {
      name: patientName(patient),
      born: formatDate(patient.birthDate),
      age: ageOn(patient.birthDate, today),
      memberId: coverage?.memberId ?? (coverage ? 'not given on the coverage' : 'no coverage on file'),
      payer: payer ?? 'No coverage on file',
      ...(coverage && PLAN_WORDS[coverage.planKind] ? { plan: PLAN_WORDS[coverage.planKind] } : {}),
    },
    orders: determinations.map((d) => orderSection(d, resources)),
    appeal,
    reviewer,
    sources,
    prepared: `Prepared with decision support from the patient\u2019s FHIR record at ${input.fhirBase}, judged as of ${formatDate(first.asOf)}. Statements marked as resting on secondary summaries are unverified against the published source.`,
  };
}
