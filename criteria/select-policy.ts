// Who pays, and so which policy governs an order. The Coverage: the patient's own (beneficiary), active
// on the date of service; the order's `insurance` first, then Coverage.order, then Medicare before its
// supplement. A Medigap plan never carries its own medical-necessity policy for a Medicare-covered
// service: Medicare's governs. A Medicare Advantage member in a state whose contractor adopted an LCD is
// judged under the LCD (42 CFR 422.101(b)(6)), never under the parent company's commercial bulletin.
// Then the policy: payor identifier, Coverage.type, or payor name; its jurisdiction (the order's
// Location state, else the patient's home state); and its effective dates (a policy governs only dates
// of service on or after its effective date and not after its retirement). Anything else falls back
// to the evidence pathway, labelled as a clinical pathway.
import { dateOf, dateSpan } from './dates';
import { localRef, refOf, type EvidenceSource } from './evidence';
import { read, readConcepts, readFirst, readString, readStrings } from './fhirpath';
import type { CoverageRef, Evidence, JurisdictionVariant, PayerMatcher, PlanKind, Policy, PolicyChoice, PolicyLibrary, PolicyRef } from './model';
import type { OrderInfo } from './orders';
import { referenced, type Records } from './records';
import { patientIdOf } from './compartment';

interface Payer {
  coverage: Record<string, unknown>;
  names: string[];
  identifiers: { system?: string; value?: string }[];
  types: { system?: string; code?: string; display?: string }[];
  kind: PlanKind;
}

export interface Selection {
  policy: Policy;
  variant?: JurisdictionVariant;
  choice: PolicyChoice;
  coverage?: CoverageRef;
  /**
   * What the record must show before the governing policy can be known: set when the evidence pathway
   * stands in only because of a gap (Medicare with no state of service), so its reading cannot decide.
   */
  undetermined?: string;
}

export const policyRef = (p: Policy, v?: JurisdictionVariant): PolicyRef => ({
  id: v?.id ?? p.id,
  title: v ? `${p.title} (${v.contractor})` : p.title,
  shortName: v ? `${p.shortName} ${v.id}` : p.shortName,
  publisher: v ? `${p.publisher}: ${v.contractor}` : p.publisher,
  version: v ? `${v.id}${v.article ? `, billing article ${v.article}` : ''}` : p.version,
  effective: p.effective,
  ...(p.retired ? { retired: p.retired } : {}),
  url: v?.url ?? p.url,
  ...(p.rationale ? { rationale: p.rationale } : {}),
  kind: p.kind,
});

const namePatterns = new Map<string, RegExp>();
const namePattern = (source: string): RegExp => {
  let re = namePatterns.get(source);
  if (!re) namePatterns.set(source, (re = new RegExp(source, 'i')));
  return re;
};

/** Each Coverage's payer, read once per record: every order and every alternative judged asks again. */
const payers = new WeakMap<Records, Map<Record<string, unknown>, Payer>>();

function payerOf(lib: PolicyLibrary, records: Records, coverage: Record<string, unknown>): Payer {
  let byCoverage = payers.get(records);
  if (!byCoverage) payers.set(records, (byCoverage = new Map()));
  let payer = byCoverage.get(coverage);
  if (!payer) byCoverage.set(coverage, (payer = readPayer(lib, records, coverage)));
  return payer;
}

function readPayer(lib: PolicyLibrary, records: Records, coverage: Record<string, unknown>): Payer {
  const payors = read<{ reference?: string; display?: string; identifier?: { system?: string; value?: string } }>('coveragePayor', coverage);
  const names: string[] = [];
  const identifiers: Payer['identifiers'] = [];
  // The payor Organization's own name first; the reference's display is the client's label for it.
  for (const p of payors) {
    if (!p || typeof p !== 'object') continue;
    const org = typeof p.reference === 'string' ? referenced(records, p.reference, 'Organization') : undefined;
    if (org) {
      names.push(...readStrings('organizationName', org));
      identifiers.push(...read<{ system?: string; value?: string }>('organizationIdentifier', org).filter((i) => i && typeof i === 'object'));
    }
    if (typeof p.display === 'string' && !names.includes(p.display)) names.push(p.display);
    if (p.identifier && typeof p.identifier === 'object') identifiers.push(p.identifier);
  }
  const types = readConcepts('coverageType', coverage).flatMap((t) => [...(t.coding ?? []), ...(t.text ? [{ display: t.text }] : [])]);
  const words = [...names, ...types.map((t) => t.display ?? ''), ...readStrings('coverageClassName', coverage)];
  const kind =
    lib.plans.find(
      (rule) =>
        rule.types.some((t) => types.some((x) => x.code === t.code && lib.canonicalSystem(x.system) === lib.canonicalSystem(t.system))) ||
        rule.names.some((re) => words.some((w) => re.test(w))),
    )?.kind ?? 'unknown';
  return { coverage, names, identifiers, types, kind };
}

/** The patient's active Coverages on the date of service, in the order they pay. */
function coveragesInOrder(lib: PolicyLibrary, records: Records, order: OrderInfo, dateOfService: string): Payer[] {
  const patientId = typeof records.patient?.id === 'string' ? records.patient.id : undefined;
  const active = records.coverages.filter((c) => {
    if (readString('coverageStatus', c) !== 'active') return false;
    // A spouse's Coverage in the same record is not this patient's.
    const beneficiary = patientIdOf(readString('coverageBeneficiary', c));
    if (patientId && beneficiary && beneficiary !== patientId) return false;
    const start = dateOf(readFirst('coveragePeriodStart', c));
    const end = dateOf(readFirst('coveragePeriodEnd', c));
    return (!start || start <= dateOfService) && (!end || end >= dateOfService);
  });
  const rank: Record<PlanKind, number> = { medicare: 0, 'medicare-advantage': 0, medicaid: 2, commercial: 1, unknown: 1, medigap: 3 };
  const named = (c: Record<string, unknown>) => {
    const i = order.insuranceRefs.findIndex((r) => localRef(r, 'Coverage') === refOf(c));
    return i < 0 ? 99 : i;
  };
  return active
    .map((c) => payerOf(lib, records, c))
    .sort((a, b) => named(a.coverage) - named(b.coverage) || (readFirst<number>('coverageOrder', a.coverage) ?? 99) - (readFirst<number>('coverageOrder', b.coverage) ?? 99) || rank[a.kind] - rank[b.kind]);
}

/** Identifier beats type beats name; 0 is no match. A matcher limited to plan kinds matches only those. */
function matchScore(matchers: PayerMatcher[], payer: Payer, lib: PolicyLibrary): number {
  let best = 0;
  for (const m of matchers) {
    if (m.planKinds && !m.planKinds.includes(payer.kind)) continue;
    if (m.identifier && payer.identifiers.some((i) => i.value === m.identifier!.value && (!m.identifier!.system || i.system === m.identifier!.system))) best = Math.max(best, 3);
    if (m.type && payer.types.some((t) => t.code === m.type!.code && lib.canonicalSystem(t.system) === lib.canonicalSystem(m.type!.system))) best = Math.max(best, 2);
    if (m.name && payer.names.some((n) => namePattern(m.name!).test(n))) best = Math.max(best, 1);
  }
  return best;
}

function stateOf(lib: PolicyLibrary, records: Records, order: OrderInfo, dateOfService: string): { state?: string; from: string } {
  const norm = (s: unknown) => (typeof s === 'string' ? lib.states.get(s.trim().replace(/\.$/, '').toUpperCase()) : undefined);
  for (const ref of order.locationRefs) {
    const loc = referenced(records, ref, 'Location');
    const s = loc ? norm(readString('locationState', loc)) : undefined;
    if (s) return { state: s, from: "the order's location" };
  }
  const addresses = records.patient ? read<{ use?: unknown; state?: unknown; period?: { end?: unknown } }>('patientAddress', records.patient).filter((a) => a && typeof a === 'object') : [];
  // An address is current on the date of service unless its period ended before it (an end still to come
  // is a move planned, not made).
  const current = addresses.filter((a) => {
    if (a.period?.end === undefined) return true;
    const end = dateSpan(a.period.end)?.last;
    return end !== undefined && end >= dateOfService;
  });
  const s = [...current.filter((a) => a.use === undefined || a.use === 'home'), ...current, ...addresses].map((a) => norm(a.state)).find(Boolean);
  return s ? { state: s, from: "the patient's address" } : { from: 'nowhere in the record' };
}

const PATHWAY_LABEL = "the evidence pathway applies: a clinical pathway, not the payer's policy";

const inEffect = (p: Policy, date: string) => p.effective <= date && (!p.retired || date <= p.retired);

function coverageRef(payer: Payer): CoverageRef {
  const c = payer.coverage;
  const type = payer.types.find((t) => t.code) ?? payer.types[0];
  const start = dateOf(readFirst('coveragePeriodStart', c));
  const end = dateOf(readFirst('coveragePeriodEnd', c));
  const memberId = readString('coverageSubscriberId', c) ?? readStrings('coverageIdentifier', c)[0];
  return {
    reference: refOf(c),
    ...(payer.names[0] ? { payerName: payer.names[0] } : {}),
    planKind: payer.kind,
    ...(memberId ? { memberId } : {}),
    ...(type ? { type } : {}),
    ...(start || end ? { period: { ...(start ? { start } : {}), ...(end ? { end } : {}) } } : {}),
  };
}

export function selectPolicy(lib: PolicyLibrary, records: Records, order: OrderInfo, dateOfService: string): Selection {
  const pathway = (reason: string, extra: Partial<PolicyChoice> = {}, coverage?: CoverageRef): Selection => ({
    policy: lib.pathway,
    choice: { policy: policyRef(lib.pathway), reason, ...extra },
    ...(coverage ? { coverage } : {}),
  });
  const payers = coveragesInOrder(lib, records, order, dateOfService);
  if (payers.length === 0) return pathway(`No active Coverage of this patient on ${dateOfService} in the record: ${PATHWAY_LABEL}.`);

  let payer = payers[0]!;
  const notes: string[] = [];
  if (payer.kind === 'medigap') {
    const medicare = payers.find((p) => p.kind === 'medicare');
    notes.push(
      medicare
        ? `Medicare is primary over the Medicare supplement ${payer.names[0] ?? 'plan'}, which follows Medicare's coverage decision.`
        : `${payer.names[0] ?? 'The Coverage'} is a Medicare supplement (Medigap) plan: it follows Medicare's coverage decision, so Medicare's policy governs (the Medicare Coverage itself is not in the record).`,
    );
    if (medicare) payer = medicare;
  }
  const coverage = coverageRef(payer);
  const payerName = payer.names[0];
  const coverageEvidence: Evidence = {
    reference: coverage.reference,
    resourceType: 'Coverage',
    date: coverage.period?.start,
    value: payerName ?? payer.types.map((t) => t.code ?? t.display).filter(Boolean).join(', '),
    path: 'Coverage.payor | Coverage.type',
  };
  const base = { coverage: coverageEvidence, ...(payerName ? { payerName } : {}) };
  const prefix = notes.length ? `${notes.join(' ')} ` : '';
  const medicareRules = payer.kind === 'medicare' || payer.kind === 'medigap' || payer.kind === 'medicare-advantage';

  let candidates: Policy[];
  let why: string;
  if (medicareRules) {
    // Medicare's own policy: the one whose payer matchers name Medicare plans.
    candidates = lib.policies.filter((p) => p.payers.some((m) => m.planKinds?.includes('medicare')) && (payer.kind !== 'medicare-advantage' || p.bindsMedicareAdvantage));
    why =
      payer.kind === 'medicare-advantage'
        ? `${payerName ?? 'The plan'} is a Medicare Advantage plan, which must follow traditional Medicare's NCDs and LCDs where Medicare's criteria are fully established (42 CFR 422.101(b)(6))`
        : `${payerName ?? 'Medicare'} coverage`;
  } else {
    candidates = lib.policies
      .map((p) => ({ p, score: matchScore(p.payers, payer, lib) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || a.p.id.localeCompare(b.p.id))
      .map((x) => x.p);
    why = `${payerName ?? "The patient's"} coverage`;
  }
  if (candidates.length === 0) {
    return pathway(`${prefix}The payer${payerName ? ` "${payerName}"` : ''} has no policy in the library: ${PATHWAY_LABEL}.`, base, coverage);
  }
  const addressing = candidates.filter((p) => p.codes[order.ref.ruleKey]);
  if (addressing.length === 0) {
    const p = candidates[0]!;
    return pathway(`${prefix}${p.publisher}'s ${p.title} does not address ${order.ref.code.code}: ${PATHWAY_LABEL}.`, base, coverage);
  }
  const effective = addressing.filter((p) => inEffect(p, dateOfService));
  if (effective.length === 0) {
    const p = addressing[0]!;
    const when =
      p.effective > dateOfService
        ? `as the library holds it, took effect on ${p.effective}, after the date of service ${dateOfService}; the revision in force on that date is not in the library`
        : `was retired on ${p.retired}, before the date of service ${dateOfService}`;
    return pathway(`${prefix}${p.title} ${when}, so it does not govern this order: ${PATHWAY_LABEL}.`, base, coverage);
  }
  const match = effective[0]!;
  if (!match.jurisdictions && !match.noPolicyJurisdictions) {
    return { policy: match, choice: { policy: policyRef(match), reason: `${prefix}${why} is governed by ${match.title}.`, ...base }, coverage };
  }
  const { state, from } = stateOf(lib, records, order, dateOfService);
  if (!state) {
    return {
      ...pathway(`${prefix}${why}; ${match.title} applies by jurisdiction, and the state of service is unknown (${from}): ${PATHWAY_LABEL}. Record the patient's address or the order's location.`, base, coverage),
      undetermined: `The state of service (the patient's home address or the order's location): it decides whether ${match.title} governs this order`,
    };
  }
  const none = match.noPolicyJurisdictions?.find((j) => j.states.includes(state));
  if (none) {
    const ma = payer.kind === 'medicare-advantage' ? ' A Medicare Advantage plan may apply its own internal coverage criteria where Medicare has none (42 CFR 422.101(b)(6)); the library has none for this plan.' : '';
    return pathway(`${prefix}${why}, in ${state} (from ${from}): ${none.note}${ma} So ${PATHWAY_LABEL}.`, { ...base, state }, coverage);
  }
  const variant = match.jurisdictions?.find((j) => j.states.includes(state));
  if (!variant) return pathway(`${prefix}${match.title} does not govern in ${state} (from ${from}): ${PATHWAY_LABEL}.`, { ...base, state }, coverage);
  return {
    policy: match,
    variant,
    choice: { policy: policyRef(match, variant), reason: `${prefix}${why}, in ${state} (from ${from}): ${variant.contractor} adopted ${variant.id}.`, ...base, state },
    coverage,
  };
}

export type { EvidenceSource };
