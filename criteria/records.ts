// Stage 1 of the pipeline: FHIR resources → typed clinical records. Each resource is read once through
// the named FHIRPath expressions (fhirpath.ts); which value sets an entry belongs to is decided later,
// by the facts that ask, through the library's matchers (codes before words). What binds a value set
// to a kind of entry (a procedure family, an observation, a diagnosis) is in the value-set files.
// FHIR is read in full: dates of any precision, Condition clinical and verification status,
// Observation components and status, medications in all four resources, therapy in Procedure,
// Encounter and CarePlan, and report text in conclusion, narrative and plain-text attachments.
import { dateOf, dateSpan, instantOf, type DateSpan } from './dates';
import { localRef, refOf, type EvidenceSource } from './evidence';
import { read, readConcept, readConcepts, readFirst, readString, readStrings, type PathName } from './fhirpath';
import type { CodingLike, ConceptLike, PolicyLibrary } from './model';
import { affirmed } from './negation';
import { conceptText, decodeBase64Text, stripHtml, textOf } from './text';
import { toConcept } from './valueset';
import { readResponse, type AnswerRec } from './answers';

export interface Rec extends EvidenceSource {
  /** Time of day as an instant (ms), when the record gives one: orders pre and post scores around a block. */
  instant?: number;
  text: string;
}

export type ConditionStatus = 'active' | 'inactive' | 'refuted' | 'unconfirmed';

export interface ConditionRec extends Rec {
  resourceType: 'Condition' | 'AllergyIntolerance';
  status: ConditionStatus;
  /** A history, family-history or screening code: never active disease. */
  history: boolean;
  onset?: DateSpan;
  recorded?: string;
  sites: ConceptLike[];
}

export type Laterality = 'left' | 'right' | 'bilateral';

export interface Relief {
  pct: number;
  /** Bounds when the record gives them ("less than 50%"). */
  range?: [number, number];
  /** How long the relief lasted, in weeks, when the record says (lower bound). */
  weeks?: number;
  how: 'relief-observation' | 'pre-post-scores' | 'procedure-text';
  evidence: import('./model').Evidence[];
}

export interface ProcedureRec extends Rec {
  /** The procedure family (value set id) the entry belongs to. */
  family?: string;
  completed: boolean;
  /** Last day of a span of care (a CarePlan activity, a performed period). */
  end?: string;
  laterality?: Laterality;
  sites: ConceptLike[];
  /** What the record says the session was for, when it says. */
  phaseHint?: 'diagnostic' | 'therapeutic';
  relief?: Relief;
  /** How long relief lasted, when the entry's notes say, whether or not they give a percentage. */
  reliefWeeks?: number;
  /** The entry's own notes (Procedure.outcome and note, a report's conclusion), where relief is written. */
  notes: string;
  path: PathName | string;
}

export interface ObservationRec extends Rec {
  status: string;
  /** final, amended or corrected: a preliminary result does not meet a criterion. */
  final: boolean;
  value?: number;
  unit?: string;
  valueText?: string;
  positive?: boolean;
  sites: ConceptLike[];
  partOf: string[];
  /** Set when this record is one component of a panel Observation. */
  component?: number;
  rangeHigh?: number;
}

export interface MedicationRec extends Rec {
  start?: string;
  end?: string;
  active: boolean;
  path: PathName;
}

export interface ReportRec extends Rec {
  status: string;
  conclusionCodes: ConceptLike[];
}

export interface Records {
  /** The resources entries name by reference, by Type/id: only the types the engine follows (see referenced()). */
  byRef: Map<string, Record<string, unknown>>;
  patient?: Record<string, unknown>;
  conditions: ConditionRec[];
  /** Conditions outside every bound value set: counted only. */
  otherConditions: number;
  procedures: ProcedureRec[];
  observations: ObservationRec[];
  medications: MedicationRec[];
  reports: ReportRec[];
  coverages: Record<string, unknown>[];
  /** Entries coded with a code deleted from its code system (e.g. M54.5 since 2021-10-01). */
  deleted: { rec: Rec; coding: CodingLike }[];
  /** Answers to this product's documentation questionnaires (criteria/answers.ts). */
  answers: AnswerRec[];
}

const INTERPRETATION_POSITIVE = new Set(['POS', 'DET', 'A', 'AA', 'H', 'HH', 'HU', '>', 'R']);
const INTERPRETATION_NEGATIVE = new Set(['NEG', 'ND', 'N', 'L', 'LL', '<', 'S']);

const POSITIVE_VALUES = new Set(['10828004', '52101004', '260373001', '77386006']);
const NEGATIVE_VALUES = new Set(['260385009', '2667000', '260415000', '60001007']);

function positiveOf(interp: string[], bool: boolean | undefined, concept: ConceptLike | undefined, words: string): boolean | undefined {
  if (interp.some((c) => INTERPRETATION_POSITIVE.has(c))) return true;
  if (interp.some((c) => INTERPRETATION_NEGATIVE.has(c))) return false;
  if (typeof bool === 'boolean') return bool;
  const codes = (concept?.coding ?? []).map((c) => c.code);
  // SNOMED 10828004 |Positive|, 260385009 |Negative|, 52101004 |Present|, 2667000 |Absent|, 260373001
  // |Detected| and 260415000 |Not detected| (how labs answer HLA-B27), 77386006 |Pregnant| and 60001007
  // |Not pregnant| (how a pregnancy status, LOINC 82810-3, is answered).
  if (codes.some((c) => c !== undefined && POSITIVE_VALUES.has(c))) return true;
  if (codes.some((c) => c !== undefined && NEGATIVE_VALUES.has(c))) return false;
  const t = textOf(conceptText(concept), words).toLowerCase();
  const negative = /\bnegative\b|\babsent\b|\bnot reproduc|\bnot detected\b|\bundetected\b|\bnot pregnant\b/.test(t);
  // "Detected" and "Pregnant" only as the answer itself ("No abnormality detected" is not a positive test).
  if (!negative && (/\bpositive\b|\bpresent\b|\breproduc/.test(t) || /^\s*detected\b/.test(t) || (concept !== undefined && /^\s*pregnant\b/.test(t)))) return true;
  if (negative) return false;
  return undefined;
}

function numberOf(r: unknown): { value?: number; unit?: string } {
  const q = readFirst<{ value?: unknown; unit?: unknown; code?: unknown }>('observationQuantity', r);
  if (q && typeof q.value === 'number' && Number.isFinite(q.value)) return { value: q.value, unit: typeof q.unit === 'string' ? q.unit : typeof q.code === 'string' ? q.code : undefined };
  const i = readFirst<number>('observationInteger', r);
  if (typeof i === 'number' && Number.isFinite(i)) return { value: i };
  // A number written as the whole string ("3", "3/10"), as some EHRs send a score: still a number.
  const str = readFirst<string>('observationString', r);
  const m = typeof str === 'string' ? BARE_NUMBER.exec(str) : null;
  return m ? { value: Number(m[1]) } : {};
}
const BARE_NUMBER = /^\s*(\d{1,3}(?:\.\d+)?)\s*(?:\/\s*10)?\s*$/;

function lateralityOf(lib: PolicyLibrary, sites: ConceptLike[], words: string): Laterality | undefined {
  // Most entries name no body site: then only the words can say.
  const codes = sites.length ? new Set(sites.flatMap((s) => s.coding ?? []).map((c) => c.code)) : undefined;
  const { left, right, bilateral } = lib.reading.laterality;
  const l = anyCodeIn(codes, left) || /\bleft\b/i.test(words);
  const r = anyCodeIn(codes, right) || /\bright\b/i.test(words);
  if (anyCodeIn(codes, bilateral) || /\bbilateral(ly)?\b|\bboth sides\b/i.test(words) || (l && r)) return 'bilateral';
  return l ? 'left' : r ? 'right' : undefined;
}

const anyCodeIn = (codes: ReadonlySet<string | undefined> | undefined, list: readonly string[]): boolean =>
  codes !== undefined && list.some((c) => codes.has(c));

const PHASE_DIAGNOSTIC = /\b(?:diagnostic|confirmatory|comparative)\b/i;
const PHASE_THERAPEUTIC = /\btherapeutic\b/i;

function phaseOf(words: string): ProcedureRec['phaseHint'] {
  // Most entries name no phase at all: a plain test of the whole text spares reading it sentence by
  // sentence. (Exact for these patterns: words bounded by \b match in a sentence only where they match
  // in the text it was cut from.)
  if (PHASE_DIAGNOSTIC.test(words) && affirmed(words, PHASE_DIAGNOSTIC)) return 'diagnostic';
  if (PHASE_THERAPEUTIC.test(words) && affirmed(words, PHASE_THERAPEUTIC)) return 'therapeutic';
  return undefined;
}

function conditionStatus(clinical: string[], verification: string[], abated: boolean): ConditionStatus | 'entered-in-error' {
  if (verification.includes('entered-in-error')) return 'entered-in-error';
  if (verification.includes('refuted')) return 'refuted';
  if (verification.some((v) => ['unconfirmed', 'provisional', 'differential'].includes(v))) return 'unconfirmed';
  if (clinical.some((c) => ['active', 'recurrence', 'relapse'].includes(c))) return 'active';
  if (clinical.length > 0) return 'inactive';
  // No clinical status: an abatement date says it has ended.
  return abated ? 'inactive' : 'active';
}

interface Reader {
  lib: PolicyLibrary;
  out: Records;
}

/** The family a procedure-like entry belongs to: the first bound family (by priority) it matches, in one pass. */
function familyOf(lib: PolicyLibrary, concept: ConceptLike, words: () => string, sites: ConceptLike[]): string | undefined {
  return lib.classify(FAMILY_IDS.get(lib)!, concept, { text: words, sites });
}
const FAMILY_IDS = new WeakMap<PolicyLibrary, string[]>();

/**
 * The types of resource the engine follows a reference to: a medication's code, a payer's name, a
 * site's state. Only these are kept by key, which on a large record spares a map entry per resource.
 */
export type ReferencedType = 'Medication' | 'Organization' | 'Location';
const REFERENCED_TYPES: ReadonlySet<unknown> = new Set<ReferencedType>(['Medication', 'Organization', 'Location']);

/** The record's resource that a reference names, however it is spelled (localRef). */
export function referenced(records: Pick<Records, 'byRef'>, reference: string, type: ReferencedType): Record<string, unknown> | undefined {
  return records.byRef.get(localRef(reference, type));
}

function medicationConcept(r: Record<string, unknown>, records: Records, codePath: PathName, refPath: PathName): ConceptLike | undefined {
  const direct = readConcept(codePath, r);
  if (direct) return direct;
  const ref = readString(refPath, r);
  // "#med1" names a Medication contained in the entry itself (FHIR R4 contained resources).
  const med = !ref ? undefined : ref.startsWith('#') ? containedMedication(r, ref.slice(1)) : referenced(records, ref, 'Medication');
  return med ? readConcept('medicationCode', med) : undefined;
}

function containedMedication(r: Record<string, unknown>, id: string): Record<string, unknown> | undefined {
  const contained = Array.isArray(r.contained) ? (r.contained as unknown[]) : [];
  return contained.find((c): c is Record<string, unknown> => !!c && typeof c === 'object' && (c as Record<string, unknown>).resourceType === 'Medication' && (c as Record<string, unknown>).id === id);
}

/** A Condition or AllergyIntolerance as a record, read with the given status. */
function conditionRec(r: Record<string, unknown>, ref: string, code: ConceptLike | undefined, history: boolean, sites: ConceptLike[], status: ConditionStatus): ConditionRec {
  const allergy = r.resourceType === 'AllergyIntolerance';
  const onsetRaw = allergy ? readString('allergyDate', r) : readString('conditionOnset', r);
  const recorded = allergy ? undefined : dateOf(readString('conditionRecorded', r));
  const onset = dateSpan(onsetRaw);
  return {
    ref,
    resourceType: allergy ? 'AllergyIntolerance' : 'Condition',
    code,
    date: onset?.first ?? recorded,
    text: textOf(conceptText(code), sites.map(conceptText)),
    status,
    history,
    onset,
    recorded,
    sites,
  };
}

function readCondition(x: Reader, r: Record<string, unknown>, ref: string): void {
  const { lib, out } = x;
  const allergy = r.resourceType === 'AllergyIntolerance';
  const code = readConcept(allergy ? 'allergyCode' : 'conditionCode', r);
  const history = lib.valueSet(lib.reading.historyValueSet).match(code)?.by === 'code';
  const deleted = lib.valueSet(lib.reading.deletedCodesValueSet).match(code);
  const sites = allergy ? [] : readConcepts('conditionBodySite', r);
  const bound = lib.anyOf(allergy ? lib.bound.allergy : lib.bound.condition);
  if (deleted?.coding) out.deleted.push({ rec: conditionRec(r, ref, code, history, sites, 'active'), coding: deleted.coding });
  if (!history && !bound.has(code, { sites })) {
    out.otherConditions++;
    return;
  }
  const clinical = readStrings(allergy ? 'allergyClinicalStatus' : 'conditionClinicalStatus', r);
  const verification = readStrings(allergy ? 'allergyVerification' : 'conditionVerification', r);
  const abated = !allergy && readFirst('conditionAbatement', r) !== undefined;
  const status = conditionStatus(clinical, verification, abated);
  if (status === 'entered-in-error') return;
  out.conditions.push(conditionRec(r, ref, code, history, sites, status));
}

/** Code, date, text and body-site paths of each procedure-like resource type. */
const PROCEDURE_PATHS: Record<string, [PathName, PathName, PathName | undefined, PathName | undefined]> = {
  Procedure: ['procedureCode', 'procedureDate', 'procedureText', 'procedureBodySite'],
  Encounter: ['encounterType', 'encounterDate', undefined, undefined],
  DiagnosticReport: ['reportCode', 'reportDate', 'reportText', undefined],
  ImagingStudy: ['imagingStudyCode', 'imagingStudyDate', 'imagingStudyText', undefined],
};

/** A procedure-like entry's words: its codes' texts and displays, its text elements, its body sites. */
const procedureWords = (r: Record<string, unknown>, codes: ConceptLike[], textPath: PathName | undefined, sites: ConceptLike[]): string =>
  textOf(codes.map(conceptText), textPath ? readStrings(textPath, r) : [], sites.map(conceptText));

/** One concept of all an entry's codes: every coding, and the texts that are set joined by a space (undefined when none is). */
function mergeConcepts(codes: ConceptLike[]): ConceptLike {
  const coding: CodingLike[] = [];
  let text = '';
  for (const c of codes) {
    if (c.coding) for (const x of c.coding) coding.push(x);
    if (c.text) text = text ? `${text} ${c.text}` : c.text;
  }
  return { coding, text: text || undefined };
}

function readProcedureLike(x: Reader, r: Record<string, unknown>, ref: string): void {
  const { lib, out } = x;
  const t = r.resourceType as string;
  const [codePath, datePath, textPath, sitePath] = PROCEDURE_PATHS[t]!;
  const codes = readConcepts(codePath, r);
  const merged = mergeConcepts(codes);
  const sites = sitePath ? readConcepts(sitePath, r) : [];
  // The words are read only if the family needs them to decide (most entries are decided by code), and once.
  // The reader is an unnamed closure: under tsx (keepNames), naming one costs a defineProperty per entry.
  let read: string | undefined;
  const family = familyOf(lib, merged, () => (read ??= procedureWords(r, codes, textPath, sites)), sites);
  if (!family) return;
  const words = read ?? procedureWords(r, codes, textPath, sites);
  const notes = textPath ? textOf(readStrings(textPath, r)) : '';
  const rawDate = readString(datePath, r);
  const status = readString(t === 'Procedure' ? 'procedureStatus' : t === 'Encounter' ? 'encounterStatus' : 'reportStatus', r) ?? (r.status as string | undefined);
  const completed =
    t === 'Procedure'
      ? status === 'completed'
      : t === 'Encounter'
        ? status === 'finished' || status === undefined
        : status !== 'entered-in-error' && status !== 'cancelled' && status !== 'registered';
  const end = t === 'Procedure' ? dateOf((r.performedPeriod as { end?: unknown } | undefined)?.end) : undefined;
  out.procedures.push({
    ref,
    resourceType: t,
    code: merged,
    date: dateOf(rawDate),
    instant: instantOf(rawDate),
    end,
    text: words,
    family,
    completed,
    sites,
    laterality: lateralityOf(lib, sites, words),
    phaseHint: phaseOf(words),
    notes,
    path: codePath,
  });
}

function readCarePlan(x: Reader, r: Record<string, unknown>, ref: string): void {
  const { lib, out } = x;
  const planStatus = readString('carePlanStatus', r);
  if (planStatus === 'entered-in-error' || planStatus === 'revoked' || planStatus === 'draft') return;
  const planStart = dateOf(readString('carePlanStart', r));
  const planEnd = dateOf(readString('carePlanEnd', r));
  read<Record<string, unknown>>('carePlanActivity', r).forEach((detail, i) => {
    if (!detail || typeof detail !== 'object') return;
    const status = typeof detail.status === 'string' ? detail.status : undefined;
    if (status !== 'completed' && status !== 'in-progress') return;
    const code = toConcept(detail.code);
    if (!code) return;
    const words = textOf(conceptText(code), typeof detail.description === 'string' ? detail.description : undefined);
    const family = familyOf(lib, code, () => words, []);
    if (!family) return;
    const period = (detail.scheduledPeriod ?? {}) as { start?: unknown; end?: unknown };
    const start = dateOf(period.start) ?? planStart;
    out.procedures.push({
      ref,
      resourceType: 'CarePlan',
      code,
      date: start,
      end: dateOf(period.end) ?? (status === 'completed' ? planEnd : undefined),
      text: words,
      family,
      completed: true,
      sites: [],
      notes: typeof detail.description === 'string' ? detail.description : '',
      path: `CarePlan.activity[${i}].detail.code`,
    });
  });
}

/** What the records read from one Observation share, its components' included. */
interface ObservationBase {
  ref: string;
  date?: string;
  instant?: number;
  status: string;
  final: boolean;
  sites: ConceptLike[];
  partOf: string[];
}

/** One record of an Observation: the Observation itself, or one of its components (`source`). */
function observationRec(base: ObservationBase, source: unknown, code: ConceptLike | undefined, component?: number): ObservationRec {
  const { value, unit } = numberOf(source);
  const valueText = textOf(readStrings('observationString', source), component === undefined ? readStrings('observationNote', source) : []) || undefined;
  const rangeHigh = readFirst<number>('observationRangeHigh', source);
  const interpretation = readStrings('observationInterpretation', source);
  // A plain score has no positive or negative reading; only a finding, a test or a flagged result does.
  const positive =
    value !== undefined && interpretation.length === 0 && rangeHigh === undefined
      ? undefined
      : positiveOf(interpretation, readFirst<boolean>('observationBoolean', source), readConcept('observationConcept', source), valueText ?? '');
  return {
    ref: base.ref,
    resourceType: 'Observation',
    code,
    date: base.date,
    instant: base.instant,
    text: conceptText(code),
    status: base.status,
    final: base.final,
    value,
    unit,
    valueText,
    positive: positive ?? (value !== undefined && rangeHigh !== undefined ? value > rangeHigh : undefined),
    sites: base.sites,
    partOf: base.partOf,
    ...(component !== undefined ? { component } : {}),
    ...(typeof rangeHigh === 'number' ? { rangeHigh } : {}),
  };
}

/** Observation statuses a criterion may rest on (a preliminary result may not). */
const FINAL_STATUSES = new Set(['final', 'amended', 'corrected']);

function observationRecs(x: Reader, r: Record<string, unknown>, ref: string): void {
  const { lib, out } = x;
  // Which parts are bound is decided first: most Observations of an export (vitals, labs) are in no
  // bound value set and need nothing else read.
  const bound = lib.anyOf(lib.bound.observation);
  const code = readConcept('observationCode', r);
  const own = bound.has(code);
  // A panel's components are observations of their own (an SIJ exam with one component per manoeuvre).
  let components: [Record<string, unknown>, ConceptLike, number][] | undefined;
  const parts = read<Record<string, unknown>>('observationComponent', r);
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i];
    if (!c || typeof c !== 'object') continue;
    const cc = toConcept(c.code);
    if (cc && bound.has(cc)) (components ??= []).push([c, cc, i]);
  }
  if (!own && !components) return;
  const status = readString('observationStatus', r) ?? 'unknown';
  if (status === 'entered-in-error' || status === 'cancelled') return;
  const rawDate = readString('observationDate', r);
  const base: ObservationBase = {
    ref,
    date: dateOf(rawDate),
    instant: instantOf(rawDate),
    status,
    final: FINAL_STATUSES.has(status),
    sites: readConcepts('observationBodySite', r),
    partOf: readStrings('observationPartOf', r),
  };
  if (own) out.observations.push(observationRec(base, r, code));
  // Components carry their value[x] and interpretation like an Observation does; read them through the same paths.
  for (const [c, cc, i] of components ?? []) out.observations.push(observationRec(base, { ...c, resourceType: 'Observation' }, cc, i));
}

const MEDICATION_PATHS = {
  MedicationRequest: ['medicationRequestCode', 'medicationRequestRef', 'medicationRequestStatus', 'medicationRequestStart', 'medicationRequestEnd'],
  MedicationStatement: ['medicationStatementCode', 'medicationStatementRef', 'medicationStatementStatus', 'medicationStatementStart', 'medicationStatementEnd'],
  MedicationDispense: ['medicationDispenseCode', 'medicationDispenseRef', 'medicationDispenseStatus', 'medicationDispenseDate', undefined],
  MedicationAdministration: ['medicationAdministrationCode', 'medicationAdministrationRef', 'medicationAdministrationStatus', 'medicationAdministrationStart', 'medicationAdministrationEnd'],
} as const satisfies Record<string, readonly [PathName, PathName, PathName, PathName, PathName | undefined]>;

/** Statuses that mean the medication was not taken or the entry is void. Draft requests are orders, not care received. */
const NOT_TAKEN = new Set(['draft', 'entered-in-error', 'cancelled', 'not-taken', 'not-done', 'intended', 'declined']);

function readMedication(x: Reader, r: Record<string, unknown>, ref: string): void {
  const { lib, out } = x;
  const t = r.resourceType as keyof typeof MEDICATION_PATHS;
  const [codePath, refPath, statusPath, startPath, endPath] = MEDICATION_PATHS[t];
  const status = readString(statusPath, r);
  if (status && NOT_TAKEN.has(status)) return;
  // A dispense is care received only once handed over: completed (or, with no status, a handover date).
  if (t === 'MedicationDispense' && (status ? status !== 'completed' : readString('medicationDispenseHandedOver', r) === undefined)) return;
  const intent = t === 'MedicationRequest' ? String(r.intent) : undefined;
  if (intent === 'proposal' || intent === 'plan') return;
  const code = medicationConcept(r, out, codePath, refPath);
  if (!lib.anyOf(lib.bound.medication).has(code)) return;
  const start = dateOf(readString(startPath, r));
  let end = endPath ? dateOf(readString(endPath, r)) : undefined;
  if (t === 'MedicationDispense' && start) {
    const days = readFirst<number>('medicationDispenseDays', r);
    if (typeof days === 'number' && days > 0 && days < 400) end = new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  }
  out.medications.push({ ref, resourceType: t, code, date: start, text: conceptText(code), start, end, active: status === 'active' || status === 'in-progress', path: codePath });
}

function readReport(x: Reader, r: Record<string, unknown>, ref: string): void {
  const status = readString('reportStatus', r) ?? 'unknown';
  if (status === 'entered-in-error' || status === 'cancelled') return;
  const attachments = read<{ contentType?: unknown; data?: unknown }>('reportPresentedForm', r)
    .filter((a) => typeof a?.data === 'string' && (typeof a.contentType !== 'string' || a.contentType.startsWith('text/plain')))
    .map((a) => decodeBase64Text(a.data as string))
    .filter((s): s is string => !!s);
  const narrative = readStrings('reportNarrative', r).map(stripHtml);
  const conclusionCodes = readConcepts('reportConclusionCode', r);
  const text = textOf(readStrings('reportConclusion', r), conclusionCodes.map((c) => c.text), narrative, attachments);
  if (!text && conclusionCodes.length === 0) return;
  const rawDate = readString('reportDate', r);
  x.out.reports.push({ ref, resourceType: 'DiagnosticReport', code: readConcept('reportCode', r), date: dateOf(rawDate), instant: instantOf(rawDate), text, status, conclusionCodes });
}

/** Read every resource once into records. Unknown or malformed resources are passed over. */
export function extractRecords(lib: PolicyLibrary, resources: readonly unknown[], drafts: ReadonlySet<unknown> = new Set()): Records {
  if (!FAMILY_IDS.has(lib)) FAMILY_IDS.set(lib, lib.families.map((f) => f.id));
  const out: Records = {
    byRef: new Map(),
    conditions: [],
    otherConditions: 0,
    procedures: [],
    observations: [],
    medications: [],
    reports: [],
    coverages: [],
    deleted: [],
    answers: [],
  };
  const x: Reader = { lib, out };
  const list = resources.filter((res): res is Record<string, unknown> => !!res && typeof res === 'object' && !Array.isArray(res) && typeof (res as { resourceType?: unknown }).resourceType === 'string');
  // Shared resources first, so references to them resolve whatever the order of the input.
  const refs = list.map(refOf);
  for (let i = 0; i < list.length; i++) if (REFERENCED_TYPES.has(list[i]!.resourceType)) out.byRef.set(refs[i]!, list[i]!);
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const ref = refs[i]!;
    switch (r.resourceType) {
      case 'Patient':
        out.patient ??= r;
        break;
      case 'Coverage':
        out.coverages.push(r);
        break;
      case 'Condition':
      case 'AllergyIntolerance':
        readCondition(x, r, ref);
        break;
      case 'Procedure':
      case 'Encounter':
      case 'ImagingStudy':
        readProcedureLike(x, r, ref);
        break;
      case 'DiagnosticReport':
        readProcedureLike(x, r, ref);
        readReport(x, r, ref);
        break;
      case 'CarePlan':
        readCarePlan(x, r, ref);
        break;
      case 'QuestionnaireResponse':
        out.answers.push(...readResponse(lib, r, ref, drafts.has(r)));
        break;
      case 'Observation':
        observationRecs(x, r, ref);
        break;
      case 'MedicationRequest':
      case 'MedicationStatement':
      case 'MedicationDispense':
      case 'MedicationAdministration':
        readMedication(x, r, ref);
        break;
      default:
        break;
    }
  }
  return out;
}
