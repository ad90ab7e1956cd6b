// Which orders the engine decides on: draft/active ServiceRequests (or the CDS Hooks draftOrders)
// whose code is in scope, MedicationRequests for J1100 dexamethasone, and what a 64999 means.
// A 64999 is an unlisted code: its meaning comes from the order's text and diagnosis (seed 000, 004).
import { readConcept, readConcepts, readFirst, readString, readStrings } from './fhirpath';
import { dateOf, refOf, type ConditionRec, type Records } from './records';
import { ORDER_CODES, type OrderCode, type OrderRef, type RuleKey } from './model';
import type { PolicyLibrary } from './library';
import type { CodingLike, ConceptLike } from './valueset';

/** Code systems an order code may arrive in. EHRs spell HCPCS several ways. */
const ORDER_SYSTEMS = new Set([
  'http://www.ama-assn.org/go/cpt',
  'urn:oid:2.16.840.1.113883.6.12',
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  'urn:oid:2.16.840.1.113883.6.285',
]);

export interface OrderInfo {
  ref: OrderRef;
  resource: Record<string, unknown>;
  /** Diagnoses the order names: reasonReference resolved to Condition records, and reasonCode concepts. */
  reasonConditions: ConditionRec[];
  reasonCodes: ConceptLike[];
  /** The Location or patient state, resolved later by policy selection. */
  locationRefs: string[];
  insuranceRefs: string[];
}

const orderCodeOf = (coding: CodingLike[]): { coding: CodingLike; code: OrderCode } | undefined => {
  for (const c of coding) {
    const code = c.code?.trim().toUpperCase();
    if (!code || !(ORDER_CODES as readonly string[]).includes(code)) continue;
    if (c.system && !ORDER_SYSTEMS.has(c.system)) continue;
    return { coding: c, code: code as OrderCode };
  }
  return undefined;
};

const NEURECTOMY_TEXT = /neurectom|rhizotom|transection|avulsion|nerve section/i;
const COCCYX_TEXT = /coccy|ganglion impar|impar|sacrococcygeal|walther/i;

/** 64999 → neurectomy, coccygeal, or unclassified, from the order text then its diagnoses. */
export function classify64999(text: string, reasons: ConditionRec[], reasonCodes: ConceptLike[], lib: PolicyLibrary): RuleKey {
  if (COCCYX_TEXT.test(text)) return '64999:coccygeal';
  if (NEURECTOMY_TEXT.test(text) || lib.valueSet('neurectomy-proc').has({ text })) return '64999:neurectomy';
  const coccyxDx =
    reasons.some((c) => c.categories.has('coccydynia')) || lib.valueSet('coccydynia-dx').has(reasonCodes);
  return coccyxDx ? '64999:coccygeal' : '64999:unclassified';
}

function isDexamethasoneInjection(lib: PolicyLibrary, med: ConceptLike | undefined, resource: Record<string, unknown>): boolean {
  if (!med) return false;
  if (orderCodeOf(med.coding ?? [])?.code === 'J1100') return true;
  if (!lib.valueSet('dexamethasone-injection').has(med)) return false;
  const text = JSON.stringify([med, resource.dosageInstruction ?? []]).toLowerCase();
  return /inject|sodium phosphate|intra-?articular|\bim\b|\biv\b|solution/.test(text);
}

export function findOrders(
  lib: PolicyLibrary,
  candidates: readonly unknown[],
  records: Records,
  opts: { fromRecord: boolean },
): OrderInfo[] {
  const out: OrderInfo[] = [];
  for (const c of candidates) {
    if (!c || typeof c !== 'object') continue;
    const r = c as Record<string, unknown>;
    if (r.resourceType !== 'ServiceRequest' && r.resourceType !== 'MedicationRequest') continue;
    const status = typeof r.status === 'string' ? r.status : 'unknown';
    // From the record, only orders not yet done count; draftOrders are being signed, whatever their status says.
    if (opts.fromRecord && status !== 'draft' && status !== 'active') continue;

    let code: { coding: CodingLike; code: OrderCode } | undefined;
    if (r.resourceType === 'ServiceRequest') {
      code = orderCodeOf(readConcept('orderCode', r)?.coding ?? []);
    } else {
      const med = readConcept('orderMedication', r);
      if (isDexamethasoneInjection(lib, med, r)) {
        const coding = orderCodeOf(med?.coding ?? [])?.coding ?? med?.coding?.[0] ?? { display: med?.text };
        code = { coding, code: 'J1100' };
      }
    }
    if (!code) continue;

    const text = readStrings('orderText', r).join(' ');
    const reasonRefs = readStrings('orderReasonReference', r);
    const reasonConditions = records.conditions.filter((cond) => reasonRefs.includes(cond.ref));
    const reasonCodes = readConcepts('orderReasonCode', r);
    const ruleKey: RuleKey = code.code === '64999' ? classify64999(text, reasonConditions, reasonCodes, lib) : code.code;
    const quantity = readFirst<number>('orderQuantity', r);
    out.push({
      ref: {
        reference: refOf(r),
        resourceType: r.resourceType,
        status,
        code: {
          system: code.coding.system ?? (code.code === 'J1100' || code.code === 'G0260' ? 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets' : 'http://www.ama-assn.org/go/cpt'),
          code: code.code,
          display: code.coding.display,
        },
        ruleKey,
        text: text || undefined,
        authoredOn: dateOf(readString('orderAuthoredOn', r)),
        quantity: typeof quantity === 'number' ? quantity : undefined,
      },
      resource: r,
      reasonConditions,
      reasonCodes,
      locationRefs: readStrings('orderLocation', r),
      insuranceRefs: readStrings('orderInsurance', r),
    });
  }
  return out;
}
