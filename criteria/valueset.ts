// Code groupings: FHIR ValueSet JSON (criteria/valuesets/*.json) compiled into matchers.
// Stage: used by extraction (records.ts) and the facts to sort coded entries into what they count.
//
// Codes before words. An entry is classified by its codes when it carries a code the library knows:
// a code some value set of the library lists (ICD-10-CM by family or code, SNOMED CT by concept list,
// CPT, HCPCS, LOINC and RxNorm by code). A known code decides: M47.816 is lumbar spondylosis and so
// not radiculopathy, whatever its title says, and Z85.3 is a history code, not a tumour. Only an
// entry with no known code is read by its words, and then through the shared negation-and-context
// reader, so "spondylosis without myelopathy or radiculopathy" written as text is not radiculopathy
// either. (Code lists are partial for SNOMED CT and RxNorm: an unlisted code is not known, and its
// words are read.)
//
// Supported compose features: include.concept (exact codes), include.filter is-a (ICD-10-CM / CPT
// prefix families, dots ignored), and extensions: a text pattern (on the set or on an include), a
// class tag on an include, and on an include "requires-text": its codes count only when the entry's
// own words also say so (72220 counts as dynamic coccyx films only when sitting and standing are named).
import type { CodingLike, ConceptLike, ConceptMatch, EntryContext, ValueSetMatcher } from './model';
import { affirmed, mentions, type Mention } from './negation';

export const TEXT_PATTERN_URL = 'urn:sij-necessity:text-pattern';
export const CLASS_URL = 'urn:sij-necessity:class';
export const REQUIRES_TEXT_URL = 'urn:sij-necessity:requires-text';
export const REQUIRES_SITE_URL = 'urn:sij-necessity:requires-site';

/** What the library knows about code systems: canonical URLs and aliases (OIDs), and which codes it lists. */
export interface Vocabulary {
  canonical(system: string | undefined): string | undefined;
  /** Some value set of the library lists this code (exactly, or in a family). */
  known(canonicalSystem: string, code: string): boolean;
  /** Another value set of the library, by id (for includes that require a body site). */
  valueSet?(id: string): ValueSetMatcher;
}

/** With no vocabulary (unit tests of one set): systems as written, and only the set's own codes known. */
export const PLAIN_VOCABULARY: Vocabulary = { canonical: (s) => s, known: () => false };

interface CompiledInclude {
  system?: string;
  codes: Set<string>;
  prefixes: string[];
  pattern?: RegExp;
  requiresText?: RegExp;
  /** The entry's body site (or the clinician's own words on the code) must be in this value set. */
  requiresSite?: string;
  cls?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A CodeableConcept as the engine may trust it: real records and test clients send malformed ones
 * (a single coding object instead of an array, numbers for codes, nulls inside coding), and none of
 * that may throw.
 */
export function toConcept(value: unknown): ConceptLike | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { coding?: unknown; text?: unknown };
  const raw: unknown[] = Array.isArray(v.coding) ? v.coding : v.coding && typeof v.coding === 'object' ? [v.coding] : [];
  const coding: CodingLike[] = [];
  for (const c of raw) {
    if (!c || typeof c !== 'object' || Array.isArray(c)) continue;
    const x = c as Record<string, unknown>;
    coding.push({ system: str(x.system), code: typeof x.code === 'number' ? String(x.code) : str(x.code), display: str(x.display) });
  }
  return { coding, text: str(v.text) };
}

const normalised = new Map<string, string>();
/** ICD-10-CM and CPT codes compare without dots and case. Codes repeat across a record: each is normalised once. */
export const normaliseCode = (code: string): string => {
  let n = normalised.get(code);
  if (n === undefined) {
    n = code.replace(/\./g, '').trim().toUpperCase();
    if (normalised.size > 50_000) normalised.clear();
    normalised.set(code, n);
  }
  return n;
};

export interface ValueSetJson {
  id: string;
  title?: string;
  name?: string;
  extension?: { url: string; valueString?: string; valueCode?: string }[];
  compose: {
    include: {
      system?: string;
      concept?: { code: string; display?: string }[];
      filter?: { property: string; op: string; value: string }[];
      extension?: { url: string; valueString?: string; valueCode?: string }[];
    }[];
  };
}

const patternOf = (ext: ValueSetJson['extension'], url = TEXT_PATTERN_URL): RegExp | undefined => {
  const source = ext?.find((e) => e.url === url)?.valueString;
  return source ? new RegExp(source, 'i') : undefined;
};

/** The words of a concept: its text and each coding's display. */
export const conceptTexts = (c: ConceptLike): string[] =>
  [c.text, ...(c.coding ?? []).map((x) => x.display)].filter((t): t is string => typeof t === 'string' && t.length > 0);

/** What a coding's system and code alone say about a set: the includes that list it, and whether the library knows the code. */
interface CodingVerdict {
  includes: CompiledInclude[];
  decided: boolean;
}
const NOT_CODED: CodingVerdict = { includes: [], decided: false };

/** The words an include that requires text reads: the concepts' texts and displays, and the entry's own words. */
const entryWords = (list: ConceptLike[], entry: EntryContext | undefined): string =>
  [...list.flatMap(conceptTexts), typeof entry?.text === 'function' ? entry.text() : (entry?.text ?? '')].join('. ');

export function compileValueSet(vs: ValueSetJson, vocab: Vocabulary = PLAIN_VOCABULARY): ValueSetMatcher {
  const includes: CompiledInclude[] = vs.compose.include.map((inc) => ({
    system: vocab.canonical(inc.system),
    codes: new Set((inc.concept ?? []).map((c) => normaliseCode(c.code))),
    prefixes: (inc.filter ?? []).filter((f) => f.op === 'is-a').map((f) => normaliseCode(f.value)),
    pattern: patternOf(inc.extension),
    requiresText: patternOf(inc.extension, REQUIRES_TEXT_URL),
    requiresSite: inc.extension?.find((e) => e.url === REQUIRES_SITE_URL)?.valueString,
    cls: inc.extension?.find((e) => e.url === CLASS_URL)?.valueCode,
  }));
  const setPattern = patternOf(vs.extension);
  // One combined test first: most texts match none of a set's patterns, and then one regex run is enough.
  const sources = [...includes.map((i) => i.pattern?.source), setPattern?.source].filter((x): x is string => !!x);
  const anyPattern = sources.length ? new RegExp(sources.map((x) => `(?:${x})`).join('|'), 'i') : undefined;
  const byCode = new Map<string, CompiledInclude[]>();
  for (const inc of includes) for (const code of inc.codes) byCode.set(code, [...(byCode.get(code) ?? []), inc]);
  const prefixed = includes.filter((i) => i.prefixes.length > 0);
  const ownCodes = new Set(includes.flatMap((i) => [...i.codes].map((c) => `${i.system}|${c}`)));

  // A coding with no system is compared by code alone: lenient, since real clients omit systems.
  const systemOk = (inc: CompiledInclude, system: string | undefined) => !inc.system || !system || inc.system === system;
  const matchCoding = (system: string | undefined, code: string): CompiledInclude[] => [
    ...(byCode.get(code)?.filter((inc) => systemOk(inc, system)) ?? []),
    ...prefixed.filter((inc) => systemOk(inc, system) && inc.prefixes.some((p) => code.startsWith(p))),
  ];
  const decidedByCode = (system: string | undefined, code: string): boolean =>
    !!system && (vocab.known(system, code) || ownCodes.has(`${system}|${code}`) || prefixed.some((inc) => inc.system === system && inc.prefixes.some((p) => code.startsWith(p))));
  // What a coding's system and code say depends on nothing else, and a record repeats its codes (every
  // pain score, every visit): each pair is worked out once per set.
  const bySystem = new Map<string | undefined, Map<string, CodingVerdict>>();
  const codingOf = (coding: CodingLike): CodingVerdict => {
    if (!coding.code) return NOT_CODED;
    let codes = bySystem.get(coding.system);
    if (!codes) {
      // Bounded whatever a client sends: systems are few in real records, codes a few thousand.
      if (bySystem.size > 1_000) bySystem.clear();
      bySystem.set(coding.system, (codes = new Map()));
    }
    let known = codes.get(coding.code);
    if (!known) {
      const system = vocab.canonical(coding.system);
      const code = normaliseCode(coding.code);
      known = { includes: matchCoding(system, code), decided: decidedByCode(system, code) };
      if (codes.size > 50_000) codes.clear();
      codes.set(coding.code, known);
    }
    return known;
  };

  // An include with a site qualifier (M53.3 is the sacroiliac joint only with that site): the entry's
  // body sites, or the clinician's own words on the coded concept (not the code's display, which for
  // M53.3 names both the sacroiliac and the coccygeal region).
  const siteOk = (inc: CompiledInclude, list: ConceptLike[], entry: EntryContext | undefined): boolean => {
    if (!inc.requiresSite) return true;
    const site = vocab.valueSet?.(inc.requiresSite);
    if (!site) return false;
    if (entry?.sites?.length && site.has(entry.sites)) return true;
    return list.some((c) => typeof c.text === 'string' && site.has({ text: c.text }));
  };

  // A text's reading against the set's patterns: one combined test first, most texts match none.
  const textMatch = (text: unknown): ConceptMatch | undefined => {
    if (typeof text !== 'string' || text.length === 0 || !anyPattern!.test(text)) return undefined;
    for (const inc of includes) {
      if (!inc.pattern) continue;
      const m = affirmed(text, inc.pattern);
      if (m) return { cls: inc.cls, by: 'text', quote: m.sentence };
    }
    const m = setPattern && affirmed(text, setPattern);
    return m ? { by: 'text', quote: m.sentence } : undefined;
  };

  // Called for every entry against every set a fact names, so neither loop allocates: one concept is
  // read in place, and the list the text and site rules need is built only when an include has one.
  const match = (concepts: ConceptLike | ConceptLike[] | undefined, entry?: EntryContext): ConceptMatch | undefined => {
    if (concepts === undefined) return undefined;
    const many = Array.isArray(concepts);
    const n = many ? concepts.length : 1;
    let decided = false;
    for (let i = 0; i < n; i++) {
      const concept = many ? concepts[i]! : concepts;
      const codings = concept.coding;
      if (!codings) continue;
      for (const coding of codings) {
        const known = codingOf(coding);
        for (const inc of known.includes) {
          if (inc.requiresText && !affirmed(entryWords(many ? concepts : [concepts], entry), inc.requiresText)) continue;
          if (inc.requiresSite && !siteOk(inc, many ? concepts : [concepts], entry)) continue;
          return { coding, cls: inc.cls, by: 'code' };
        }
        decided ||= known.decided;
      }
    }
    if (decided || !anyPattern) return undefined;
    // The words in conceptTexts' order: each concept's text, then its codings' displays.
    for (let i = 0; i < n; i++) {
      const concept = many ? concepts[i]! : concepts;
      const own = textMatch(concept.text);
      if (own) return own;
      for (const coding of concept.coding ?? []) {
        const m = textMatch(coding.display);
        if (m) return m;
      }
    }
    return undefined;
  };

  return {
    id: vs.id,
    title: vs.title ?? vs.name ?? vs.id,
    match,
    has: (concepts, entry) => match(concepts, entry) !== undefined,
    mentionsIn(text: string): { cls?: string; mention: Mention }[] {
      if (!anyPattern?.test(text)) return [];
      const out: { cls?: string; mention: Mention }[] = [];
      for (const inc of includes) if (inc.pattern) for (const m of mentions(text, inc.pattern)) out.push({ cls: inc.cls, mention: m });
      if (setPattern) for (const m of mentions(text, setPattern)) out.push({ mention: m });
      return out;
    },
    codes: includes.map((i) => ({ system: i.system, codes: [...i.codes], prefixes: [...i.prefixes] })),
  };
}
