// Sources a reader can check: every citation in the library's data points at a published source
// (policy number and section, guideline) or at a page of docs/clinical, never at the team's
// development notes; every output the engine produces for every persona and case is free of them; and
// each policy's rationale page exists and documents every one of its criteria.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { determine, renderMarkdown, renderText } from '../../criteria';
import { loadLibraryFromDisk, readLibraryFiles, DEFAULT_LIBRARY_DIR, REPO_ROOT } from '../../server/policy-files';
import { loadCaseFiles } from '../support/cases';
import { DEV_NOTE, withoutIds } from '../support/dev-notes';
import { loadPersona, mutate, personaNames, resourcesOf } from '../support/fixtures';

/** What a citation may name: a published source, or a page of the product's own clinical rationale. */
const PUBLISHED = /docs\/clinical\/[a-z-]+\.md|\bLCD\b|\bL3\d{4}\b|\bCPB \d{4}\b|Busse JW|BMJ 2025|WA\.CP\.MP\.166|NIA_CG_305|42 CFR|\bASAS\b|\bACR\b|ICD-10-CM|\bHCPCS\b|Evidence pathway|CMS Medicare Coverage Database/;

const citations = (data: unknown, path = ''): { path: string; citation: string }[] => {
  if (!data || typeof data !== 'object') return [];
  if (Array.isArray(data)) return data.flatMap((d, i) => citations(d, `${path}.${i}`));
  return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) =>
    k === 'citation' && typeof v === 'string' ? [{ path: `${path}.${k}`, citation: v }] : citations(v, `${path}.${k}`),
  );
};

describe('sources a reader can check', () => {
  const files = readLibraryFiles(DEFAULT_LIBRARY_DIR);

  it('every citation in the library names a published source or a docs/clinical page, never a development note', () => {
    const all = files.flatMap((f) => citations(f.data).map((c) => ({ ...c, file: f.path })));
    expect(all.length).toBeGreaterThan(80);
    expect(all.filter((c) => DEV_NOTE.test(c.citation)).map((c) => `${c.file}${c.path}: ${c.citation}`)).toEqual([]);
    expect(all.filter((c) => !PUBLISHED.test(c.citation)).map((c) => `${c.file}${c.path}: ${c.citation}`)).toEqual([]);
  });

  it('no file of the library mentions a development note anywhere, descriptions included', () => {
    expect(files.filter((f) => DEV_NOTE.test(JSON.stringify(f.data))).map((f) => f.path)).toEqual([]);
  });

  it('no output of the engine, for any persona or case, as JSON, text or markdown, cites a development note', () => {
    const library = loadLibraryFromDisk();
    const records = [
      ...personaNames().map((n) => resourcesOf(loadPersona(n))),
      ...loadCaseFiles().flatMap(([, cf]) => cf.cases.map((c) => mutate(resourcesOf(loadPersona(c.fixture)), c.mutations))),
    ];
    let outputs = 0;
    for (const r of records) {
      for (const d of determine(library, r, { today: '2026-12-01' })) {
        for (const text of [JSON.stringify(d), renderText(d), renderMarkdown(d)]) {
          outputs++;
          const hit = DEV_NOTE.exec(withoutIds(text));
          expect(hit?.[0], `${d.order.reference}: "${withoutIds(text).slice(Math.max(0, (hit?.index ?? 0) - 60), (hit?.index ?? 0) + 40)}"`).toBeUndefined();
        }
      }
    }
    expect(outputs).toBeGreaterThan(300);
  });

  it('the engine’s words for a reader name no FHIR reference: references stay in the evidence', () => {
    // A reviewer's letter, a card and the app all show these sentences; "Coverage/seed000-coverage" is an id a
    // reader cannot look up. The evidence entries beside each sentence carry the reference.
    const REFERENCE = /\b(?:Coverage|Condition|Procedure|Observation|ServiceRequest|MedicationRequest|MedicationStatement|Location|Organization|Patient|Practitioner|PractitionerRole|DiagnosticReport|Encounter|QuestionnaireResponse)\/[A-Za-z0-9.-]/;
    const words = (v: unknown, key = ''): string[] => {
      if (typeof v === 'string') return ['summary', 'reasons', 'reason', 'text', 'missing', 'notes', 'questions', 'title', 'why', 'advice', 'nextStep'].includes(key) ? [v] : [];
      if (!v || typeof v !== 'object') return [];
      if (Array.isArray(v)) return v.flatMap((x) => words(x, key));
      return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => (k === 'evidence' || k === 'reference' ? [] : words(x, k)));
    };
    const library = loadLibraryFromDisk();
    const records = [
      ...personaNames().map((n) => resourcesOf(loadPersona(n))),
      ...loadCaseFiles().flatMap(([, cf]) => cf.cases.map((c) => mutate(resourcesOf(loadPersona(c.fixture)), c.mutations))),
    ];
    let sentences = 0;
    for (const r of records) {
      for (const d of determine(library, r, { today: '2026-12-01' })) {
        for (const w of words(d)) {
          sentences++;
          expect(REFERENCE.exec(w)?.[0], `${d.order.reference}: "${w}"`).toBeUndefined();
        }
      }
    }
    expect(sentences).toBeGreaterThan(1000);
  });

  it('each policy names its rationale page, which exists and documents every criterion', () => {
    const library = loadLibraryFromDisk();
    for (const p of [...library.policies, library.pathway]) {
      expect(p.rationale, p.id).toBeDefined();
      const page = readFileSync(join(REPO_ROOT, p.rationale!), 'utf8');
      for (const id of Object.keys(p.criteria)) expect(page, `${p.rationale} documents ${id}`).toContain(`\`${id}\``);
    }
  });

  it('every docs/clinical page a citation or a page links to exists', () => {
    const dir = join(REPO_ROOT, 'docs/clinical');
    const pages = readdirSync(dir).filter((f) => f.endsWith('.md'));
    const cited = files.flatMap((f) => [...JSON.stringify(f.data).matchAll(/docs\/clinical\/([a-z-]+\.md)/g)].map((m) => m[1]!));
    const linked = pages.flatMap((p) => [...readFileSync(join(dir, p), 'utf8').matchAll(/\]\(([a-z-]+\.md)\)/g)].map((m) => m[1]!));
    for (const target of new Set([...cited, ...linked])) expect(existsSync(join(dir, target)), target).toBe(true);
  });
});
