// Which orders the engine decides on, and what each one is: the trigger codes are data
// (criteria/vocabulary/triggers.json): order code → rule key, the readings of an unlisted code such as
// 64999 (from the order's words, read with negation, then its diagnoses), and which orders a drug
// such as J1100 follows. Orders come from the CDS Hooks draftOrders or the record's own draft and
// active ServiceRequests; both are known here, so J1100 signed alone is judged with the record's
// draft injection, and "one invasive modality at a time" sees every open order.
import { dateOf } from './dates';
import { refOf } from './evidence';
import { readConcept, readConcepts, readFirst, readString, readStrings } from './fhirpath';
import type { CodingLike, ConceptLike, OrderRef, PolicyLibrary, TriggerReading, TriggerSpec } from './model';
import { affirmed } from './negation';
import { referenced, type ConditionRec, type Records } from './records';

export interface OrderInfo {
  ref: OrderRef;
  trigger: TriggerSpec;
  resource: Record<string, unknown>;
  /** Diagnoses the order names: reasonReference resolved to Condition records, and reasonCode concepts. */
  reasonConditions: ConditionRec[];
  reasonCodes: ConceptLike[];
  /** ServiceRequest.orderDetail and bodySite: where the order names its modality and side. */
  details: ConceptLike[];
  /** The order's own words: code text, notes, order detail, patient instruction. */
  words: string;
  locationRefs: string[];
  insuranceRefs: string[];
  /** This order is being signed (a CDS Hooks draft order, or the record's order when no draft orders were given). */
  signing: boolean;
}

function triggerOf(lib: PolicyLibrary, coding: CodingLike[], resourceType: string): { coding: CodingLike; trigger: TriggerSpec } | undefined {
  for (const c of coding) {
    const code = c.code?.trim().toUpperCase();
    const trigger = code ? lib.triggers.byCode.get(code) : undefined;
    if (!trigger || !trigger.resourceTypes.includes(resourceType as 'ServiceRequest')) continue;
    if (c.system && !lib.triggers.orderSystems.has(lib.canonicalSystem(c.system) ?? c.system)) continue;
    return { coding: c, trigger };
  }
  return undefined;
}

/** The first reading whose words the order carries (read with negation); the reading without words is the fallback. */
function readingOf(trigger: TriggerSpec, words: string): TriggerReading {
  return trigger.readings.find((r) => r.text && affirmed(words, r.text)) ?? trigger.readings.find((r) => !r.text) ?? trigger.readings.at(-1)!;
}

function medicationTrigger(lib: PolicyLibrary, r: Record<string, unknown>, records: Records): { coding: CodingLike; trigger: TriggerSpec } | undefined {
  let med = readConcept('orderMedication', r);
  const medRef = readString('orderMedicationRef', r);
  if (!med && medRef) {
    const m = referenced(records, medRef, 'Medication');
    med = m ? readConcept('medicationCode', m) : undefined;
  }
  if (!med) return undefined;
  const byCode = triggerOf(lib, med.coding ?? [], 'MedicationRequest');
  if (byCode) return byCode;
  for (const trigger of lib.triggers.byCode.values()) {
    if (!trigger.resourceTypes.includes('MedicationRequest') || !trigger.medication) continue;
    if (!lib.valueSet(trigger.medication.valueSet).has(med)) continue;
    // The drug alone is not the trigger: only its injectable form (an oral tablet is another order).
    const words = [JSON.stringify(med), ...readStrings('orderDosageText', r)].join(' ');
    if (!trigger.medication.routeText.test(words)) continue;
    return { coding: med.coding?.[0] ?? { display: med.text }, trigger };
  }
  return undefined;
}

/** An order resource → what the engine knows of it, or undefined when it is not in scope. */
export function readOrder(lib: PolicyLibrary, r: Record<string, unknown>, records: Records, signing: boolean): OrderInfo | undefined {
  if (r.resourceType !== 'ServiceRequest' && r.resourceType !== 'MedicationRequest') return undefined;
  const status = typeof r.status === 'string' ? r.status : 'unknown';
  const hit = r.resourceType === 'ServiceRequest' ? triggerOf(lib, readConcept('orderCode', r)?.coding ?? [], 'ServiceRequest') : medicationTrigger(lib, r, records);
  if (!hit) return undefined;
  const { trigger, coding } = hit;
  const words = readStrings('orderText', r).join(' ');
  const reasonRefs = readStrings('orderReasonReference', r);
  const reasonConditions = records.conditions.filter((cond) => reasonRefs.some((x) => x === cond.ref || x.endsWith(`/${cond.ref}`)));
  const reasonCodes = readConcepts('orderReasonCode', r);
  const reading = readingOf(trigger, words);
  const quantity = readFirst<number>('orderQuantity', r);
  return {
    ref: {
      reference: refOf(r),
      resourceType: r.resourceType,
      status,
      code: { system: lib.canonicalSystem(coding.system) ?? coding.system ?? [...lib.triggers.orderSystems][0]!, code: trigger.code, display: coding.display },
      ruleKey: reading.ruleKey,
      reading: reading.reading,
      text: words || undefined,
      authoredOn: dateOf(readString('orderAuthoredOn', r)),
      occurrence: dateOf(readString('orderOccurrence', r)),
      quantity: typeof quantity === 'number' ? quantity : undefined,
    },
    trigger,
    resource: r,
    reasonConditions,
    reasonCodes,
    details: [...readConcepts('orderDetail', r), ...readConcepts('orderBodySite', r)],
    words,
    locationRefs: readStrings('orderLocation', r),
    insuranceRefs: readStrings('orderInsurance', r),
    signing,
  };
}

/**
 * The in-scope orders: the given orders (being signed) plus the record's own open orders (draft or
 * active) as context, or, with no orders given, the record's open orders. One entry per reference:
 * the version being signed wins over the record's copy.
 */
export function findOrders(lib: PolicyLibrary, given: readonly unknown[] | undefined, records: Records, resources: readonly unknown[]): OrderInfo[] {
  const out = new Map<string, OrderInfo>();
  for (const c of given ?? []) {
    if (!c || typeof c !== 'object') continue;
    const o = readOrder(lib, c as Record<string, unknown>, records, true);
    if (o) out.set(o.ref.reference, o);
  }
  for (const c of resources) {
    if (!c || typeof c !== 'object') continue;
    const r = c as Record<string, unknown>;
    if (r.resourceType !== 'ServiceRequest' && r.resourceType !== 'MedicationRequest') continue;
    if (r.status !== 'draft' && r.status !== 'active') continue;
    const o = readOrder(lib, r, records, given === undefined);
    if (o && !out.has(o.ref.reference)) out.set(o.ref.reference, o);
  }
  return [...out.values()];
}

const EMPTY: Records = { byRef: new Map(), conditions: [], otherConditions: 0, procedures: [], observations: [], medications: [], reports: [], coverages: [], deleted: [], answers: [] };

/** The order's in-scope code, as the engine reads it, or undefined when the engine does not decide on it. */
export function inScopeCode(lib: PolicyLibrary, order: unknown): { system: string; code: string } | undefined {
  if (!order || typeof order !== 'object') return undefined;
  const o = readOrder(lib, order as Record<string, unknown>, EMPTY, true);
  return o ? { system: o.ref.code.system, code: o.ref.code.code } : undefined;
}

/** Whether any of these resources is an order the engine decides on (so a CDS service knows whether to fetch the record at all). */
export function anyInScope(lib: PolicyLibrary, orders: readonly unknown[]): boolean {
  return orders.some((o) => inScopeCode(lib, o) !== undefined);
}
