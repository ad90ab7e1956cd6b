// Evidence helpers: how an entry of the record becomes an Evidence item (reference, date, code, the
// FHIRPath that found it). A leaf module shared by extraction, the facts and the checks.
import { PATHS, expr, type PathName } from './fhirpath';
import type { ConceptLike, Evidence } from './model';

/** The minimal shape of an extracted entry that evidence can be made from. */
export interface EvidenceSource {
  ref: string;
  resourceType: string;
  date?: string;
  code?: ConceptLike;
}

export const refOf = (r: { resourceType?: unknown; id?: unknown }): string => `${String(r.resourceType)}/${String(r.id ?? '(no id)')}`;

/**
 * A reference as the record's own key ("Organization/x"), however it is spelled: relative, absolute
 * ("https://ehr/fhir/Organization/x") or versioned ("Organization/x/_history/2"). Real exports use all
 * three; the versioned form once left such a Coverage's payer unnamed.
 */
export function localRef(reference: string, type: string): string {
  let re = LOCAL_REF.get(type);
  if (!re) LOCAL_REF.set(type, (re = new RegExp(`(?:^|/)(${type}/[A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`)));
  const m = re.exec(reference);
  return m ? m[1]! : reference;
}
const LOCAL_REF = new Map<string, RegExp>();

export function evidenceOf(rec: EvidenceSource, path: PathName | string, extra: Partial<Evidence> = {}): Evidence {
  const coding = rec.code?.coding?.find((c) => c.code) ?? rec.code?.coding?.[0];
  return {
    reference: rec.ref,
    resourceType: rec.resourceType,
    date: rec.date,
    code: coding ? { system: coding.system, code: coding.code, display: coding.display ?? rec.code?.text } : rec.code?.text ? { display: rec.code.text } : undefined,
    path: path in PATHS ? expr(path as PathName) : path,
    ...extra,
  };
}
