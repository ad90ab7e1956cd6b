// Which policy governs an order: the active Coverage's payer (Organization identifier, Coverage.type,
// or payor name), then the policy's jurisdiction (the order's Location state, else the patient's
// home state). No Coverage, an unknown payer, a code the payer's policy does not address, or a state
// with no policy all fall back to the evidence pathway — labelled as a clinical pathway.
import { read, readConcepts, readFirst, readString, readStrings } from './fhirpath';
import type { Evidence, JurisdictionVariant, PayerMatcher, Policy, PolicyChoice, PolicyRef } from './model';
import type { PolicyLibrary } from './library';
import type { OrderInfo } from './orders';
import { dateOf, refOf, type Records } from './records';

interface Payer {
  coverage: Record<string, unknown>;
  names: string[];
  identifiers: { system?: string; value?: string }[];
  types: { system?: string; code?: string }[];
}

export interface Selection {
  policy: Policy;
  variant?: JurisdictionVariant;
  choice: PolicyChoice;
}

export const policyRef = (p: Policy, v?: JurisdictionVariant): PolicyRef => ({
  id: v?.id ?? p.id,
  title: v ? `${p.title} (${v.contractor})` : p.title,
  shortName: v ? `${p.shortName} ${v.id}` : p.shortName,
  publisher: v ? `${p.publisher}: ${v.contractor}` : p.publisher,
  version: v ? `${v.id}${v.article ? `, billing article ${v.article}` : ''}` : p.version,
  effective: p.effective,
  url: v?.url ?? p.url,
  kind: p.kind,
});

function activeCoverage(records: Records, order: OrderInfo, asOf: string): Record<string, unknown> | undefined {
  const active = records.coverages.filter((c) => {
    if (readString('coverageStatus', c) !== 'active') return false;
    const start = dateOf(readFirst('coveragePeriodStart', c));
    const end = dateOf(readFirst('coveragePeriodEnd', c));
    return (!start || start <= asOf) && (!end || end >= asOf);
  });
  const named = active.find((c) => order.insuranceRefs.includes(refOf(c)));
  return named ?? [...active].sort((a, b) => (readFirst<number>('coverageOrder', a) ?? 99) - (readFirst<number>('coverageOrder', b) ?? 99))[0];
}

function payerOf(records: Records, coverage: Record<string, unknown>): Payer {
  const payors = read<{ reference?: string; display?: string; identifier?: { system?: string; value?: string } }>('coveragePayor', coverage);
  const names: string[] = [];
  const identifiers: Payer['identifiers'] = [];
  for (const p of payors) {
    if (p.display) names.push(p.display);
    if (p.identifier) identifiers.push(p.identifier);
    const org = p.reference ? records.byRef.get(p.reference) : undefined;
    if (org) {
      names.push(...readStrings('organizationName', org));
      identifiers.push(...read<{ system?: string; value?: string }>('organizationIdentifier', org));
    }
  }
  const types = readConcepts('coverageType', coverage).flatMap((t) => t.coding ?? []);
  return { coverage, names, identifiers, types };
}

/** Payer name patterns (validated when the library loads), each compiled once. */
const namePatterns = new Map<string, RegExp>();
const namePattern = (source: string): RegExp => {
  let re = namePatterns.get(source);
  if (!re) namePatterns.set(source, (re = new RegExp(source, 'i')));
  return re;
};

/** Identifier beats type beats name; 0 is no match. */
function matchScore(matchers: PayerMatcher[], payer: Payer): number {
  let best = 0;
  for (const m of matchers) {
    if (m.identifier && payer.identifiers.some((i) => i.value === m.identifier!.value && (!m.identifier!.system || i.system === m.identifier!.system))) best = Math.max(best, 3);
    if (m.type && payer.types.some((t) => t.system === m.type!.system && t.code === m.type!.code)) best = Math.max(best, 2);
    if (m.name && payer.names.some((n) => namePattern(m.name!).test(n))) best = Math.max(best, 1);
  }
  return best;
}

function stateOf(records: Records, order: OrderInfo): { state?: string; from: string } {
  for (const ref of order.locationRefs) {
    const loc = records.byRef.get(ref);
    const s = loc ? readString('locationState', loc) : undefined;
    if (s) return { state: s.trim().toUpperCase(), from: `the order's location (${ref})` };
  }
  // The home address (or one with no use) first, then any other.
  const addresses = records.patient ? read<{ use?: unknown; state?: unknown }>('patientAddress', records.patient) : [];
  const s = [...addresses.filter((a) => a.use === undefined || a.use === 'home'), ...addresses].map((a) => a.state).find((x): x is string => typeof x === 'string');
  return s ? { state: s.trim().toUpperCase(), from: "the patient's address" } : { from: 'nowhere in the record' };
}

const PATHWAY_LABEL = 'the evidence pathway applies — a clinical pathway, not the payer\'s policy';

export function selectPolicy(lib: PolicyLibrary, records: Records, order: OrderInfo, asOf: string): Selection {
  const pathway = (reason: string, extra: Partial<PolicyChoice> = {}): Selection => ({
    policy: lib.pathway,
    choice: { policy: policyRef(lib.pathway), reason, ...extra },
  });
  const coverage = activeCoverage(records, order, asOf);
  if (!coverage) return pathway(`No active Coverage on ${asOf} in the record: ${PATHWAY_LABEL}.`);

  const payer = payerOf(records, coverage);
  const payerName = payer.names[0];
  const coverageEvidence: Evidence = {
    reference: refOf(coverage),
    resourceType: 'Coverage',
    date: dateOf(readFirst('coveragePeriodStart', coverage)),
    value: payerName ?? payer.types.map((t) => t.code).join(', '),
    path: 'Coverage.payor | Coverage.type',
  };
  const scored = lib.policies
    .map((p) => ({ p, score: matchScore(p.payers, payer) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.p.id.localeCompare(b.p.id));
  const match = scored[0]?.p;
  const base = { coverage: coverageEvidence, payerName };
  if (!match) {
    return pathway(`The payer${payerName ? ` "${payerName}"` : ''} has no policy in the library: ${PATHWAY_LABEL}.`, base);
  }
  if (!match.codes[order.ref.ruleKey]) {
    return pathway(`${match.publisher}'s ${match.title} (${match.version}) does not address ${order.ref.code.code}: ${PATHWAY_LABEL}.`, base);
  }
  if (!match.jurisdictions && !match.noPolicyJurisdictions) {
    return { policy: match, choice: { policy: policyRef(match), reason: `${payerName ?? match.publisher} coverage (${refOf(coverage)}) is governed by ${match.title}.`, ...base } };
  }
  const { state, from } = stateOf(records, order);
  if (!state) {
    return pathway(`${match.title} applies by jurisdiction, and the state of service is unknown (${from}): ${PATHWAY_LABEL}. Record the patient's address or the order's location.`, base);
  }
  const none = match.noPolicyJurisdictions?.find((j) => j.states.includes(state));
  if (none) return pathway(`${payerName ?? match.publisher} in ${state} (from ${from}): ${none.note} [${none.confidence}: ${none.citation}] So ${PATHWAY_LABEL}.`, { ...base, state });
  const variant = match.jurisdictions?.find((j) => j.states.includes(state));
  if (!variant) return pathway(`${match.title} does not govern in ${state} (from ${from}): ${PATHWAY_LABEL}.`, { ...base, state });
  return {
    policy: match,
    variant,
    choice: {
      policy: policyRef(match, variant),
      reason: `${payerName ?? match.publisher} coverage in ${state} (from ${from}): ${variant.contractor} adopted ${variant.id}.`,
      ...base,
      state,
    },
  };
}
