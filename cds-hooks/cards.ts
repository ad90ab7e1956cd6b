// Stage 5a of the hook: determinations → CDS Hooks cards (CDS Hooks 2.0 §Card Attributes). Pure: the
// uuid and base URL come in as arguments. One card per in-scope order; the determination itself rides
// along at card.extension["medical-necessity"] for machines (the CLI's --json prints the same fields).
// The card's words are the engine's (the Determination's summary, renderMarkdown for the detail):
// the service decides nothing about wording, scope or the Coverage on its own.
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

export type MedicalNecessityExtension = Pick<Determination, 'order' | 'code' | 'outcome' | 'policy' | 'criteria' | 'coverage'>;

/**
 * The machine-readable determination: the `order`, `code`, `outcome`, `policy`, `coverage` and
 * `criteria` of the Determination the CLI's --json prints (policy carries id, title, effective, url and
 * more; each criterion id, text, status, evidence and its citation), without empty values.
 */
export function toMedicalNecessityExtension(d: Determination): MedicalNecessityExtension {
  return (compactValue(medicalNecessityOf(d)) ?? {}) as MedicalNecessityExtension;
}

const medicalNecessityOf = (d: Determination) => ({ order: d.order, code: d.code, outcome: d.outcome, policy: d.policy, ...(d.coverage ? { coverage: d.coverage } : {}), criteria: d.criteria });

export interface CardOptions {
  uuid: string;
  /** Makes suggestion uuids; injected so cards are reproducible in tests. */
  newUuid: () => string;
  publicBaseUrl: string;
  detail: string;
  /** The draft order resource as the client sent it (for delete ids and for copying subject/encounter). */
  order?: Resource;
  patientId: string;
  /** "Complete documentation" (cds-hooks/dtr.ts documentationLink): the way into the form, first among the links. */
  documentation?: Link;
}

export function buildCard(d: Determination, opts: CardOptions): Card {
  // Only alternatives the engine stands behind become suggestions: an order it judged not medically
  // necessary, or not meeting the criteria, for this patient stays advice in the detail.
  const suggestions = d.alternatives.filter((a) => a.action && a.actionable !== false).map((a) => suggestion(a, d, opts));
  const card = compact({
    uuid: opts.uuid,
    summary: d.summary,
    indicator: indicatorOf(d),
    detail: opts.detail,
    source: sourceOf(d, opts.publicBaseUrl),
    ...(suggestions.length ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
    // Overriding means signing against the card's advice: there is none to override on criteria-met.
    ...(d.outcome !== 'criteria-met' ? { overrideReasons: OVERRIDE_REASONS } : {}),
    links: [...(opts.documentation ? [opts.documentation] : []), ...links(d, opts.publicBaseUrl)],
  }) as Card;
  // The extension, last among the card's keys, is compacted on its own: the determination is the
  // bulk of a card, and walking it once more inside the card's compact found nothing left to drop.
  const medicalNecessity = compactValue(medicalNecessityOf(d));
  // Da Vinci CRD: which order the card is about.
  const associated = compactValue([{ reference: d.order.reference }]);
  if (medicalNecessity !== undefined || associated !== undefined) {
    card.extension = {
      ...(medicalNecessity !== undefined ? { 'medical-necessity': medicalNecessity } : {}),
      ...(associated !== undefined ? { 'davinci-crd.associated-resource': associated } : {}),
    } as Card['extension'];
  }
  return card;
}

/**
 * CRD's card guidance: warning or info, critical only for patient safety. A safety advisory (a
 * pregnancy before fluoroscopy and steroid) is the one case; a coverage outcome never is.
 */
function indicatorOf(d: Determination): Card['indicator'] {
  if (d.advisories.some((a) => a.safety)) return 'critical';
  return d.outcome === 'not-medically-necessary' || d.outcome === 'criteria-not-met' ? 'warning' : 'info';
}

/** The card speaks as the payer only when the payer's own policy governs; otherwise it names the product's pathway. */
function sourceOf(d: Determination, publicBaseUrl: string): Card['source'] {
  if (d.policy.kind === 'payer-policy') {
    return { label: d.policy.publisher, url: d.policy.url, topic: { system: CARD_TYPE_SYSTEM, code: 'coverage-info', display: 'Coverage Information' } };
  }
  return {
    label: 'SIJ medical-necessity evidence pathway (no payer policy found)',
    url: rationaleUrl(d, publicBaseUrl),
    topic: { system: CARD_TYPE_SYSTEM, code: 'guideline', display: 'Guideline' },
  };
}

/** The product's own page on the policy (docs/clinical), as this server serves it. */
const rationaleUrl = (d: Determination, publicBaseUrl: string): string | undefined => (d.policy.rationale ? `${publicBaseUrl}/${d.policy.rationale}` : undefined);

/**
 * CDS Hooks 2.0: JSON elements "SHALL NOT be null" and arrays and strings "SHALL NOT be empty". Every
 * card and action leaves through here. The result shares what had nothing to drop with the input (the
 * engine's determination, the client's order): it is for sending, not for changing.
 */
export function compact<T>(value: T): T {
  return (compactValue(value) ?? {}) as T;
}

/**
 * The value without null and empty strings, and without the arrays and objects that leaves empty; undefined if nothing is left.
 * An array or plain object with nothing to drop comes back as it is, not copied: most of a card (the
 * determination's criteria and evidence, the order) is already clean, and copying it took most of
 * compact's time and a share of the garbage each hook call leaves. A copy, when one is needed, is
 * made at the first element that changes.
 */
function compactValue(v: unknown): unknown {
  if (Array.isArray(v)) {
    let items: unknown[] | undefined = Object.getPrototypeOf(v) === Array.prototype ? undefined : [];
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const kept = compactValue(x);
      if (items === undefined) {
        if (kept === x && kept !== undefined) continue;
        items = v.slice(0, i);
      }
      if (kept !== undefined) items.push(kept);
    }
    if (items === undefined) return v.length ? v : undefined;
    return items.length ? items : undefined;
  }
  if (v && typeof v === 'object') {
    const source = v as Record<string, unknown>;
    const keys = Object.keys(source);
    // Built by assignment: Object.fromEntries made slow dictionary-mode objects, and took most of the
    // time of building a card. Only a plain object is ever handed back as it is.
    let out: Record<string, unknown> | undefined;
    let asIs = Object.getPrototypeOf(source) === Object.prototype;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = source[k];
      const kept = compactValue(x);
      if (asIs) {
        if (kept === x && kept !== undefined) continue;
        asIs = false;
        for (let j = 0; j < i; j++) out = assign(out, keys[j]!, source[keys[j]!]);
      }
      if (kept !== undefined) out = assign(out, k, kept);
    }
    if (asIs) return keys.length ? source : undefined;
    return out;
  }
  return v === null || v === '' ? undefined : v;
}

function assign(out: Record<string, unknown> | undefined, k: string, value: unknown): Record<string, unknown> {
  out ??= {};
  // A key named __proto__ (JSON can carry one) is defined, not assigned, so it stays a plain key.
  if (k === '__proto__') Object.defineProperty(out, k, { value, writable: true, enumerable: true, configurable: true });
  else out[k] = value;
  return out;
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
  const rationale = rationaleUrl(d, publicBaseUrl);
  if (d.policy.kind === 'payer-policy' && d.policy.url) out.push({ label: d.policy.title, url: d.policy.url, type: 'absolute' });
  if (rationale) out.push({ label: d.policy.kind === 'payer-policy' ? 'How the product reads this policy' : "The product's evidence pathway", url: rationale, type: 'absolute' });
  for (const a of d.advisories) if (a.url && !out.some((l) => l.url === a.url)) out.push({ label: a.title, url: a.url, type: 'absolute' });
  return out;
}

/** When the record could not be read: say so, decide nothing. */
export function buildIndeterminateCard(
  order: { reference: string; code: { system: string; code: string } },
  trouble: string,
  opts: { uuid: string; publicBaseUrl: string },
): Card {
  return compact({
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
      'medical-necessity': { order, code: order.code, outcome: 'indeterminate' },
      'davinci-crd.associated-resource': [{ reference: order.reference }],
    },
  }) as Card;
}
