// Stage 1 of the pipeline: FHIR resources → typed clinical records.
// Each resource is read once through the named FHIRPath expressions (fhirpath.ts) and sorted into
// categories by the value sets (valueset.ts). Facts (facts.ts) are computed from these records.
import { PATHS, expr, readConcept, readConcepts, readFirst, readString, readStrings, type PathName } from './fhirpath';
import type { Evidence } from './model';
import type { ConceptLike } from './valueset';
import type { PolicyLibrary } from './library';
import { extractRelief, type Relief } from './relief';

export const DX_CATEGORIES = [
  'sij',
  'coccydynia',
  'sacrococcygeal-unspecified',
  'lumbar-spondylosis',
  'low-back-pain',
  'radiculopathy',
  'stenosis-claudication',
  'other-generator',
  'inflammatory',
  'cancer',
] as const;
export type DxCategory = (typeof DX_CATEGORIES)[number];

export const PROC_KINDS = [
  'ia-injection',
  'lbb',
  'rfa',
  'neurectomy',
  'facet-mbb',
  'epidural',
  'coccygeal-dx-injection',
  'pt',
  'chiro',
  'cbt',
  'spine-imaging',
  'coccyx-dynamic-imaging',
] as const;
export type ProcKind = (typeof PROC_KINDS)[number];

/** Which value set sorts a procedure code into which kind; order matters (first match wins). */
const PROC_VALUESETS: [ProcKind, string][] = [
  ['ia-injection', 'sij-ia-injection-proc'],
  ['lbb', 'sij-lbb-proc'],
  ['rfa', 'sij-rfa-proc'],
  ['neurectomy', 'neurectomy-proc'],
  ['facet-mbb', 'facet-mbb-proc'],
  ['epidural', 'epidural-proc'],
  ['coccygeal-dx-injection', 'coccygeal-diagnostic-injection-proc'],
  ['pt', 'pt-proc'],
  ['chiro', 'chiro-proc'],
  ['cbt', 'cbt-proc'],
  ['coccyx-dynamic-imaging', 'coccyx-dynamic-imaging'],
  ['spine-imaging', 'spine-imaging'],
];

export const CONSERVATIVE_KINDS: ProcKind[] = ['pt', 'chiro', 'cbt'];

/** The value sets extraction needs; the library refuses to load without them. */
export const REQUIRED_VALUESETS = [
  'sij-pain-dx',
  'sacrococcygeal-dx',
  'coccydynia-dx',
  'lumbar-spondylosis-dx',
  'low-back-pain-dx',
  'radiculopathy-dx',
  'stenosis-claudication-dx',
  'other-pain-generator-dx',
  'inflammatory-spa-dx',
  'cancer-dx',
  'body-site-sij',
  'body-site-coccyx',
  'pain-score-obs',
  'pain-relief-obs',
  'provocative-test-obs',
  'straight-leg-raise-obs',
  'analgesic-rx',
  'dexamethasone-injection',
  ...PROC_VALUESETS.map(([, id]) => id),
] as const;

export interface Rec {
  ref: string;
  resourceType: string;
  /** YYYY-MM-DD */
  date?: string;
  /** Full timestamp, when the record has one (used to order pre/post scores around a block). */
  instant?: string;
  code?: ConceptLike;
  text: string;
}

export interface ConditionRec extends Rec {
  categories: Set<DxCategory>;
  active: boolean;
  refuted: boolean;
}
export interface ProcedureRec extends Rec {
  kind?: ProcKind;
  completed: boolean;
  relief?: Relief;
}
export interface PainScoreRec extends Rec {
  value: number;
  partOf: string[];
}
export interface ManoeuvreRec extends Rec {
  manoeuvre: string;
  positive: boolean | undefined;
}
export interface MedicationRec extends Rec {
  cls: string;
  end?: string;
  active: boolean;
}
export interface ExamRec extends Rec {
  negative: boolean | undefined;
}

export interface Records {
  byRef: Map<string, Record<string, unknown>>;
  patient?: Record<string, unknown>;
  conditions: ConditionRec[];
  /** Conditions outside every diagnosis value set: counted only. */
  otherConditions: number;
  procedures: ProcedureRec[];
  painScores: PainScoreRec[];
  reliefObservations: (Rec & { value: number; partOf: string[] })[];
  manoeuvres: ManoeuvreRec[];
  straightLegRaise: ExamRec[];
  medications: MedicationRec[];
  coverages: Record<string, unknown>[];
}

export const dateOf = (value: unknown): string | undefined =>
  typeof value === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?/.test(value)
    ? value.slice(0, 10).padEnd(10, value.length === 4 ? '-01-01' : '-01')
    : undefined;

export const refOf = (r: { resourceType?: unknown; id?: unknown }): string =>
  `${String(r.resourceType)}/${String(r.id ?? '(no id)')}`;

const textOf = (...parts: unknown[]): string =>
  parts
    .flat()
    .filter((p): p is string => typeof p === 'string')
    .join(' ');

const conceptText = (c: ConceptLike | undefined): string =>
  textOf(c?.text, ...(c?.coding ?? []).map((x) => x.display));

export function evidenceOf(rec: Rec, path: PathName | string, extra: Partial<Evidence> = {}): Evidence {
  const coding = rec.code?.coding?.[0];
  return {
    reference: rec.ref,
    resourceType: rec.resourceType,
    date: rec.date,
    code: coding ? { system: coding.system, code: coding.code, display: coding.display ?? rec.code?.text } : undefined,
    path: path in PATHS ? expr(path as PathName) : path,
    ...extra,
  };
}

const DX_SETS = ['sij-pain-dx', 'coccydynia-dx', 'sacrococcygeal-dx', 'lumbar-spondylosis-dx', 'low-back-pain-dx', 'radiculopathy-dx', 'stenosis-claudication-dx', 'other-pain-generator-dx', 'inflammatory-spa-dx', 'cancer-dx'];
const OBS_SETS = ['pain-score-obs', 'pain-relief-obs', 'provocative-test-obs', 'straight-leg-raise-obs'];

export function conditionCategories(lib: PolicyLibrary, code: ConceptLike | undefined, sites: ConceptLike[]): Set<DxCategory> {
  const vs = (id: string) => lib.valueSet(id);
  const cats = new Set<DxCategory>();
  // Most of a long record is unrelated (hypertension, a cold): one union test spares ten.
  if (!lib.anyOf(DX_SETS).has(code)) return cats;
  if (vs('sij-pain-dx').has(code)) cats.add('sij');
  if (vs('coccydynia-dx').has(code)) cats.add('coccydynia');
  if (vs('sacrococcygeal-dx').has(code)) {
    // M53.3 is "sacrococcygeal disorders NEC": the body site or the text says whether it is the SIJ or the coccyx.
    // Only the clinician's own words count here: the code's display ("Sacrococcygeal disorders") names both.
    const text = code?.text ?? '';
    if (vs('body-site-sij').has(sites) || /sacro-?iliac|\bSIJ\b/i.test(text)) cats.add('sij');
    else if (vs('body-site-coccyx').has(sites) || /\bcoccyx\b|coccy(go)?dynia|tailbone/i.test(text)) cats.add('coccydynia');
    else cats.add('sacrococcygeal-unspecified');
  }
  const plain: [DxCategory, string][] = [
    ['lumbar-spondylosis', 'lumbar-spondylosis-dx'],
    ['low-back-pain', 'low-back-pain-dx'],
    ['radiculopathy', 'radiculopathy-dx'],
    ['stenosis-claudication', 'stenosis-claudication-dx'],
    ['other-generator', 'other-pain-generator-dx'],
    ['inflammatory', 'inflammatory-spa-dx'],
    ['cancer', 'cancer-dx'],
  ];
  for (const [cat, id] of plain) if (vs(id).has(code)) cats.add(cat);
  return cats;
}

const PROC_SET_IDS = PROC_VALUESETS.map(([, id]) => id);

function procedureKind(lib: PolicyLibrary, code: ConceptLike | undefined, text: () => string): ProcKind | undefined {
  if (!lib.anyOf(PROC_SET_IDS).has(code)) return undefined;
  for (const [kind, id] of PROC_VALUESETS) {
    const hit = lib.valueSet(id).match(code);
    if (!hit) continue;
    // Coccyx radiographs count as dynamic only when the report names both sitting and standing views.
    if (kind === 'coccyx-dynamic-imaging' && !(/sitting|seated/i.test(text()) && /standing/i.test(text()))) {
      return 'spine-imaging';
    }
    return kind;
  }
  return undefined;
}

const isPositive = (interp: string[], bool: boolean | undefined, concept: ConceptLike | undefined): boolean | undefined => {
  if (interp.some((c) => c === 'POS' || c === 'A' || c === 'DET')) return true;
  if (interp.some((c) => c === 'NEG' || c === 'N' || c === 'ND')) return false;
  if (typeof bool === 'boolean') return bool;
  const t = conceptText(concept);
  const codes = (concept?.coding ?? []).map((c) => c.code);
  if (codes.includes('10828004') || /\bpositive\b/i.test(t)) return true;
  if (codes.includes('260385009') || /\bnegative\b/i.test(t)) return false;
  return undefined;
};

const numberOf = (r: unknown): number | undefined => {
  const q = readFirst<{ value?: number }>('observationQuantity', r)?.value;
  if (typeof q === 'number') return q;
  const i = readFirst<number>('observationInteger', r);
  return typeof i === 'number' ? i : undefined;
};

/** Read every resource once into records. Unknown or malformed resources are passed over. */
export function extractRecords(lib: PolicyLibrary, resources: readonly unknown[]): Records {
  const out: Records = {
    byRef: new Map(),
    conditions: [],
    otherConditions: 0,
    procedures: [],
    painScores: [],
    reliefObservations: [],
    manoeuvres: [],
    straightLegRaise: [],
    medications: [],
    coverages: [],
  };
  for (const res of resources) {
    if (!res || typeof res !== 'object') continue;
    const r = res as Record<string, unknown>;
    if (typeof r.resourceType !== 'string') continue;
    const ref = refOf(r);
    out.byRef.set(ref, r);
    switch (r.resourceType) {
      case 'Patient':
        out.patient ??= r;
        break;
      case 'Coverage':
        out.coverages.push(r);
        break;
      case 'Condition': {
        const code = readConcept('conditionCode', r);
        // Most of a long record is unrelated (hypertension, a cold): counted, not read further.
        if (!lib.anyOf(DX_SETS).has(code)) {
          out.otherConditions++;
          break;
        }
        const sites = readConcepts('conditionBodySite', r);
        const clinical = readStrings('conditionClinicalStatus', r);
        const verification = readStrings('conditionVerification', r);
        const onset = readString('conditionOnset', r);
        out.conditions.push({
          ref,
          resourceType: 'Condition',
          code,
          date: dateOf(onset),
          text: textOf(conceptText(code), sites.map(conceptText)),
          categories: conditionCategories(lib, code, sites),
          active:
            (clinical.length === 0 || clinical.some((c) => ['active', 'recurrence', 'relapse'].includes(c))) &&
            !verification.some((v) => v === 'refuted' || v === 'entered-in-error'),
          refuted: verification.includes('refuted'),
        });
        break;
      }
      case 'Procedure':
      case 'Encounter':
      case 'DiagnosticReport':
      case 'ImagingStudy': {
        const t = r.resourceType;
        const [codePath, datePath, textPath]: [PathName, PathName, PathName | undefined] =
          t === 'Procedure'
            ? ['procedureCode', 'procedureDate', 'procedureText']
            : t === 'Encounter'
              ? ['encounterType', 'encounterDate', undefined]
              : t === 'DiagnosticReport'
                ? ['reportCode', 'reportDate', 'reportText']
                : ['imagingStudyCode', 'imagingStudyDate', 'imagingStudyText'];
        const codes = readConcepts(codePath, r);
        const merged: ConceptLike = { coding: codes.flatMap((c) => c.coding ?? []), text: codes.map((c) => c.text).filter(Boolean).join(' ') || undefined };
        const fullText = () => textOf(codes.map(conceptText), textPath ? readStrings(textPath, r) : []);
        const kind = procedureKind(lib, merged, fullText);
        // Only procedures the facts count are kept (blocks, RFA, therapy, imaging…).
        if (!kind) break;
        const instant = readString(datePath, r);
        const status =
          t === 'Procedure' ? readString('procedureStatus', r) : t === 'Encounter' ? readString('encounterStatus', r) : (r.status as string | undefined);
        const completed = t === 'Procedure' ? status === 'completed' : t === 'Encounter' ? status === 'finished' || status === undefined : status !== 'entered-in-error' && status !== 'cancelled';
        out.procedures.push({ ref, resourceType: t, code: merged, date: dateOf(instant), instant, text: fullText(), kind, completed });
        break;
      }
      case 'Observation': {
        const code = readConcept('observationCode', r);
        const status = readString('observationStatus', r);
        if (status === 'entered-in-error' || status === 'cancelled') break;
        if (!lib.anyOf(OBS_SETS).has(code)) break;
        const instant = readString('observationDate', r);
        const base: Rec = { ref, resourceType: 'Observation', code, date: dateOf(instant), instant, text: conceptText(code) };
        const partOf = readStrings('observationPartOf', r);
        const value = numberOf(r);
        if (lib.valueSet('pain-score-obs').has(code) && value !== undefined) {
          out.painScores.push({ ...base, value, partOf });
        } else if (lib.valueSet('pain-relief-obs').has(code) && value !== undefined) {
          out.reliefObservations.push({ ...base, value, partOf });
        } else {
          const positive = isPositive(
            readStrings('observationInterpretation', r),
            readFirst<boolean>('observationBoolean', r),
            readConcept('observationConcept', r),
          );
          const manoeuvre = lib.valueSet('provocative-test-obs').match(code);
          if (manoeuvre) {
            out.manoeuvres.push({ ...base, manoeuvre: manoeuvre.cls ?? base.text.toLowerCase(), positive });
          } else if (lib.valueSet('straight-leg-raise-obs').has(code)) {
            out.straightLegRaise.push({ ...base, negative: positive === undefined ? undefined : !positive });
          }
        }
        break;
      }
      case 'MedicationRequest':
      case 'MedicationStatement': {
        const isRequest = r.resourceType === 'MedicationRequest';
        const status = readString(isRequest ? 'medicationRequestStatus' : 'medicationStatementStatus', r);
        // Draft requests are orders, not care received.
        if (status === 'draft' || status === 'entered-in-error' || status === 'cancelled' || status === 'not-taken') break;
        const code = readConcept(isRequest ? 'medicationRequestCode' : 'medicationStatementCode', r);
        const hit = lib.valueSet('analgesic-rx').match(code);
        if (!hit?.cls) break;
        const start = readString(isRequest ? 'medicationRequestStart' : 'medicationStatementStart', r);
        const end = readString(isRequest ? 'medicationRequestEnd' : 'medicationStatementEnd', r);
        out.medications.push({
          ref,
          resourceType: r.resourceType,
          code,
          date: dateOf(start),
          end: dateOf(end),
          text: conceptText(code),
          cls: hit.cls,
          active: status === 'active',
        });
        break;
      }
      default:
        break;
    }
  }
  for (const p of out.procedures) {
    if (p.kind && ['ia-injection', 'lbb', 'rfa', 'facet-mbb', 'epidural', 'coccygeal-dx-injection'].includes(p.kind)) {
      p.relief = extractRelief(p, out);
    }
  }
  return out;
}
