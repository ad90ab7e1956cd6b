// Stage 5a of the hook: determinations → CDS Hooks cards (CDS Hooks 2.0 §Card Attributes). Pure: the
// uuid and base URL come in as arguments. One card per in-scope order; the determination itself rides
// along at card.extension["medical-necessity"] for machines (the CLI's --json prints the same fields).
import type { Coding, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { Alternative, Determination } from '../criteria/model';
import type { Action, Card, Link, Suggestion } from './types';

/** CDS Hooks 2.0: summary is "<140-character". */
export const SUMMARY_MAX = 139;

export const CARD_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/cdshooks-card-type';

/** Reasons a clinician may give for signing anyway (CDS Hooks 2.0 card.overrideReasons). */
export const OVERRIDE_REASON_SYSTEM = 'urn:sij-necessity:override-reason';
export const OVERRIDE_REASONS: Coding[] = [
  { system: OVERRIDE_REASON_SYSTEM, code: 'documented-elsewhere', display: 'The missing documentation exists outside this record' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'payer-approved', display: 'The payer has already approved this service' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'clinical-judgement', display: 'Clinical judgement: benefit outweighs the policy for this patient' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'patient-informed', display: 'Patient informed of likely non-coverage and chooses to proceed' },
];

export type MedicalNecessityExtension = Pick<Determination, 'order' | 'code' | 'outcome' | 'policy' | 'criteria'>;

/**
 * The machine-readable determination: exactly the `order`, `code`, `outcome`, `policy` and `criteria`
 * of the Determination the CLI's --json prints (policy carries id, title, effective, url and more;
 * each criterion id, text, status, evidence and its citation).
 */
export function toMedicalNecessityExtension(d: Determination): MedicalNecessityExtension {
  return { order: d.order, code: d.code, outcome: d.outcome, policy: d.policy, criteria: d.criteria };
}

export interface CardOptions {
  uuid: string;
  /** Makes suggestion uuids; injected so cards are reproducible in tests. */
  newUuid: () => string;
  publicBaseUrl: string;
  detail: string;
  /** The draft order resource as the client sent it (for delete ids and for copying subject/encounter). */
  order?: Resource;
  patientId: string;
}

export function buildCard(d: Determination, opts: CardOptions): Card {
  const suggestions = d.alternatives.filter((a) => a.action).map((a) => suggestion(a, d, opts));
  return {
    uuid: opts.uuid,
    summary: summarize(d),
    indicator: d.outcome === 'not-medically-necessary' || d.outcome === 'criteria-not-met' ? 'warning' : 'info',
    detail: opts.detail,
    source: {
      label: d.policyChoice.payerName ?? (d.policy.kind === 'clinical-pathway' ? 'Clinical evidence pathway (no payer policy)' : d.policy.publisher),
      url: d.policy.url,
      topic:
        d.policy.kind === 'payer-policy'
          ? { system: CARD_TYPE_SYSTEM, code: 'coverage-info', display: 'Coverage Information' }
          : { system: CARD_TYPE_SYSTEM, code: 'guideline', display: 'Guideline' },
    },
    ...(suggestions.length ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    overrideReasons: OVERRIDE_REASONS,
    links: links(d, opts.publicBaseUrl),
    extension: {
      'medical-necessity': toMedicalNecessityExtension(d),
      // Da Vinci CRD: which order the card is about.
      'davinci-crd.associated-resource': [{ reference: d.order.reference }],
    },
  };
}

const VERBS: Record<Determination['outcome'], string> = {
  'not-medically-necessary': 'not medically necessary',
  'criteria-not-met': 'criteria not met',
  'documentation-needed': 'needs documentation',
  'criteria-met': 'meets criteria',
};

/** "64625 not reasonable and necessary under Medicare LCD L39383; consider …", under 140 characters. */
export function summarize(d: Determination): string {
  // "Reasonable and necessary" is Medicare's statutory wording: only for a Medicare policy itself.
  const medicare = isMedicare(d) && d.policy.kind === 'payer-policy';
  const verb = d.outcome === 'not-medically-necessary' && medicare ? 'not reasonable and necessary' : VERBS[d.outcome];
  const base = `${d.order.code.code} ${verb} under ${policyName(d, medicare)}`;
  const next = d.alternatives.find((a) => a.action);
  const hint =
    d.outcome === 'documentation-needed' && d.missing.length
      ? `; document ${d.missing[0]}`
      : next && d.outcome !== 'criteria-met'
        ? `; consider ${next.action?.code.display ?? next.text}`
        : '';
  for (const text of [base + hint, base]) if (text.length <= SUMMARY_MAX) return text;
  return `${base.slice(0, SUMMARY_MAX - 1)}…`;
}

function isMedicare(d: Determination): boolean {
  return /medicare|cms/i.test(`${d.policy.publisher} ${d.policyChoice.payerName ?? ''}`) || /^L\d{5}$/.test(d.policy.id);
}

function policyName(d: Determination, medicare: boolean): string {
  if (medicare && /^L\d{5}$/.test(d.policy.id)) return `Medicare LCD ${d.policy.id}`;
  const short = (d.policy as { shortName?: string }).shortName;
  if (short) return short;
  if (d.policy.kind === 'clinical-pathway') return 'the evidence pathway (not a payer policy)';
  const who = d.policyChoice.payerName ?? d.policy.publisher;
  return /^[A-Z0-9][A-Z0-9.\- ]+$/i.test(d.policy.id) && d.policy.id.length <= 24 ? `${who} ${d.policy.id}` : d.policy.title;
}

function suggestion(a: Alternative, d: Determination, opts: CardOptions): Suggestion {
  const action = a.action!;
  const order = opts.order as (ServiceRequest & { encounter?: unknown; requester?: unknown }) | undefined;
  const resource: ServiceRequest = {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    code: { coding: [action.code], text: action.code.display },
    subject: order?.subject ?? { reference: `Patient/${opts.patientId}` },
    ...(order?.encounter ? { encounter: order.encounter as ServiceRequest['encounter'] } : {}),
    ...(order?.requester ? { requester: order.requester as ServiceRequest['requester'] } : {}),
    ...(order?.reasonCode ? { reasonCode: order.reasonCode } : {}),
    ...(action.quantity ? { quantityQuantity: { value: action.quantity } } : {}),
    note: [{ text: a.text }],
  };
  const actions: Action[] =
    action.kind === 'replace-order'
      ? [
          { type: 'delete', description: `Remove the draft order for ${d.order.code.code}`, resourceId: d.order.reference },
          { type: 'create', description: `Order ${action.code.display}`, resource },
        ]
      : [{ type: 'create', description: `Add an order for ${action.code.display}`, resource }];
  const label = action.kind === 'replace-order' ? `Replace ${d.order.code.code} with ${action.code.display}` : `Add ${action.code.display}`;
  return { label, uuid: opts.newUuid(), actions };
}

function links(d: Determination, publicBaseUrl: string): Link[] {
  const out: Link[] = [
    {
      label: 'Review the criteria and evidence',
      url: `${publicBaseUrl}/launch.html`,
      type: 'smart',
      appContext: JSON.stringify({ order: d.order.reference }),
    },
  ];
  if (d.policy.url) out.push({ label: d.policy.title, url: d.policy.url, type: 'absolute' });
  for (const a of d.advisories) if (a.url && !out.some((l) => l.url === a.url)) out.push({ label: a.title, url: a.url, type: 'absolute' });
  return out;
}

/** When the record could not be read: say so, decide nothing. */
export function buildIndeterminateCard(
  order: { reference: string; code: { system: string; code: string } },
  trouble: string,
  opts: { uuid: string; publicBaseUrl: string },
): Card {
  return {
    uuid: opts.uuid,
    summary: `${order.code.code}: medical necessity not determined, the patient record could not be read`.slice(0, SUMMARY_MAX),
    indicator: 'info',
    detail:
      `**Indeterminate.** The service could not read the patient's record from the EHR's FHIR server (${trouble}), ` +
      'so it has not judged this order against the payer policy. Sign as usual, or try again to get a determination.',
    source: { label: 'SIJ medical-necessity service', topic: { system: CARD_TYPE_SYSTEM, code: 'coverage-info', display: 'Coverage Information' } },
    links: [
      { label: 'Review the criteria and evidence', url: `${opts.publicBaseUrl}/launch.html`, type: 'smart', appContext: JSON.stringify({ order: order.reference }) },
    ],
    extension: {
      // Same shape as a determination's extension; "indeterminate" is not an engine outcome, it says none was made.
      'medical-necessity': { order, code: order.code, outcome: 'indeterminate', criteria: [] },
      'davinci-crd.associated-resource': [{ reference: order.reference }],
    },
  };
}
