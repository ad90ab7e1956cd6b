// Code groupings: FHIR ValueSet JSON (criteria/valuesets/*.json) compiled into matchers.
// Stage: used by extraction (records.ts) to sort coded entries into the categories facts count.
// Supported compose features: include.concept (exact codes), include.filter is-a (ICD-10-CM / CPT
// prefix families, dots ignored), and two extensions: a text pattern matched against
// CodeableConcept.text and coding.display when no code matches, and a class tag on an include.

export const TEXT_PATTERN_URL = 'urn:sij-necessity:text-pattern';
export const CLASS_URL = 'urn:sij-necessity:class';

export interface CodingLike {
  system?: string;
  code?: string;
  display?: string;
}
export interface ConceptLike {
  coding?: CodingLike[];
  text?: string;
}

export interface ConceptMatch {
  /** The coding that matched, or undefined when the text pattern did. */
  coding?: CodingLike;
  /** The class tag of the include that matched, if any. */
  cls?: string;
  by: 'code' | 'text';
}

interface CompiledInclude {
  system?: string;
  codes: Set<string>;
  prefixes: string[];
  pattern?: RegExp;
  cls?: string;
}

export interface ValueSetMatcher {
  id: string;
  title: string;
  /** Match one CodeableConcept (or several): first by code, then by text. */
  match(concepts: ConceptLike | ConceptLike[] | undefined): ConceptMatch | undefined;
  has(concepts: ConceptLike | ConceptLike[] | undefined): boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A CodeableConcept as the engine may trust it: real records and test clients send malformed ones
 * (a single coding object instead of an array, numbers for codes), and none of that may throw.
 */
export function toConcept(value: unknown): ConceptLike | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { coding?: unknown; text?: unknown };
  const raw = Array.isArray(v.coding) ? v.coding : v.coding && typeof v.coding === 'object' ? [v.coding] : [];
  const coding = raw
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .map((c) => ({ system: str(c.system), code: typeof c.code === 'number' ? String(c.code) : str(c.code), display: str(c.display) }));
  return { coding, text: str(v.text) };
}

/** ICD-10-CM and CPT codes compare without dots and case. */
export const normaliseCode = (code: string): string => code.replace(/\./g, '').toUpperCase();

interface ValueSetJson {
  id: string;
  title?: string;
  name?: string;
  extension?: { url: string; valueString?: string; valueCode?: string }[];
  compose: {
    include: {
      system?: string;
      concept?: { code: string }[];
      filter?: { property: string; op: string; value: string }[];
      extension?: { url: string; valueString?: string; valueCode?: string }[];
    }[];
  };
}

const patternOf = (ext: ValueSetJson['extension']): RegExp | undefined => {
  const source = ext?.find((e) => e.url === TEXT_PATTERN_URL)?.valueString;
  return source ? new RegExp(source, 'i') : undefined;
};

export function compileValueSet(vs: ValueSetJson): ValueSetMatcher {
  const includes: CompiledInclude[] = vs.compose.include.map((inc) => ({
    system: inc.system,
    codes: new Set((inc.concept ?? []).map((c) => normaliseCode(c.code))),
    prefixes: (inc.filter ?? []).filter((f) => f.op === 'is-a').map((f) => normaliseCode(f.value)),
    pattern: patternOf(inc.extension),
    cls: inc.extension?.find((e) => e.url === CLASS_URL)?.valueCode,
  }));
  const setPattern = patternOf(vs.extension);
  // One combined test first: most texts match none of a set's patterns, and then one regex run is enough.
  const sources = [...includes.map((i) => i.pattern?.source), setPattern?.source].filter((x): x is string => !!x);
  const anyPattern = sources.length ? new RegExp(sources.map((x) => `(?:${x})`).join('|'), 'i') : undefined;
  const byCode = new Map<string, CompiledInclude[]>();
  for (const inc of includes) for (const code of inc.codes) byCode.set(code, [...(byCode.get(code) ?? []), inc]);
  const prefixed = includes.filter((i) => i.prefixes.length > 0);

  const systemOk = (inc: CompiledInclude, coding: CodingLike) => !inc.system || !coding.system || inc.system === coding.system;
  const matchCoding = (coding: CodingLike): CompiledInclude | undefined => {
    if (!coding.code) return undefined;
    const code = normaliseCode(coding.code);
    return byCode.get(code)?.find((inc) => systemOk(inc, coding)) ?? prefixed.find((inc) => systemOk(inc, coding) && inc.prefixes.some((p) => code.startsWith(p)));
  };

  const match = (concepts: ConceptLike | ConceptLike[] | undefined): ConceptMatch | undefined => {
    const list = concepts === undefined ? [] : Array.isArray(concepts) ? concepts : [concepts];
    for (const concept of list) {
      for (const coding of concept.coding ?? []) {
        const inc = matchCoding(coding);
        if (inc) return { coding, cls: inc.cls, by: 'code' };
      }
    }
    for (const concept of list) {
      const texts = [concept.text, ...(concept.coding ?? []).map((c) => c.display)].filter(
        (t): t is string => typeof t === 'string' && t.length > 0,
      );
      for (const text of texts) {
        if (!anyPattern?.test(text)) continue;
        const inc = includes.find((i) => i.pattern?.test(text));
        if (inc) return { cls: inc.cls, by: 'text' };
        if (setPattern?.test(text)) return { by: 'text' };
      }
    }
    return undefined;
  };

  return {
    id: vs.id,
    title: vs.title ?? vs.name ?? vs.id,
    match,
    has: (concepts) => match(concepts) !== undefined,
  };
}
