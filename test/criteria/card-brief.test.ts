// The card brief (renderMarkdown) and the summary, over every persona and every case: short enough for
// the moment of signing, with the outcome first, at most three reasons and three items to document,
// snippets cut at a word, and no suggestion the engine itself refuses. They once ran to about 7,000
// characters with the whole criteria list inlined, snippets cut mid-word, and the Aetna 64772 card
// offered "Replace with 64625", which the same engine calls not medically necessary under Aetna.
import { describe, expect, it } from 'vitest';
import { determine, headline, renderMarkdown, type Determination } from '../../criteria';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { loadCaseFiles } from '../support/cases';
import { loadPersona, mutate, personaNames, resourcesOf } from '../support/fixtures';

const library = loadLibraryFromDisk();
const TODAY = '2026-12-01';

function everyDetermination(): { name: string; d: Determination }[] {
  const out: { name: string; d: Determination }[] = [];
  for (const n of personaNames()) for (const d of determine(library, resourcesOf(loadPersona(n)), { today: TODAY })) out.push({ name: n, d });
  for (const [file, cf] of loadCaseFiles()) {
    for (const c of cf.cases) {
      const resources = mutate(resourcesOf(loadPersona(c.fixture)), c.mutations);
      for (const d of determine(library, resources, { asOf: c.asOf, today: c.today ?? TODAY, codes: c.orders })) out.push({ name: `${file}: ${c.name}`, d });
    }
  }
  return out;
}
const all = everyDetermination();

describe('the card brief', () => {
  it('covers enough determinations to mean something', () => {
    expect(all.length).toBeGreaterThan(150);
    expect(new Set(all.map((x) => x.d.outcome)).size).toBe(4);
  });

  it('summary at most 140 characters, detail at most 1,200, for every persona and case', () => {
    const long = all.filter(({ d }) => d.summary.length > 140 || renderMarkdown(d).length > 1200);
    expect(long.map(({ name, d }) => `${name} ${d.order.code.code}: ${d.summary.length}/${renderMarkdown(d).length}`)).toEqual([]);
  });

  it('opens with the outcome in one sentence, and has at most three reasons and three items to document', () => {
    for (const { name, d } of all) {
      const md = renderMarkdown(d);
      const lines = md.split('\n');
      expect(lines[0], name).toBe(`**${headline(d)}**`);
      expect(lines.filter((l) => l.startsWith('- ')).length, name).toBeLessThanOrEqual(3);
      const doc = lines.find((l) => l.startsWith('**To document:**'));
      if (doc && d.missing.length > 3) expect(doc, name).toContain(`and ${d.missing.length - 3} more`);
    }
  });

  it('on the evidence pathway, the headline says no payer policy was found, never that none governs', () => {
    // The pathway also answers when the payer is unidentified or its state unknown: then a payer policy may
    // well govern, and the headline once said "no payer policy governs this order".
    const pathway = all.filter(({ d }) => d.policy.kind === 'clinical-pathway');
    expect(pathway.length).toBeGreaterThan(20);
    for (const { name, d } of pathway) {
      expect(headline(d), name).toContain('no payer policy was found for this order');
      expect(renderMarkdown(d), name).not.toMatch(/no payer policy governs/);
    }
  });

  it('never inlines the whole criteria list: a brief of a long rule is far shorter than its criteria', () => {
    const longRules = all.filter(({ d }) => d.criteria.length >= 8);
    expect(longRules.length).toBeGreaterThan(10);
    for (const { name, d } of longRules) {
      const inlined = d.criteria.filter((c) => renderMarkdown(d).includes(c.text.slice(0, 40))).length;
      expect(inlined, name).toBeLessThanOrEqual(3);
    }
  });

  it('shows no markdown escape on the named patients: the product\'s own wording never needs one', () => {
    // Escapes (\[, \>, &#45;) are for patient data only; they once showed as "\[P: …\]" and "\>50%".
    for (const n of personaNames()) {
      for (const d of determine(library, resourcesOf(loadPersona(n)), { today: TODAY })) {
        expect(renderMarkdown(d), n).not.toMatch(/\\[\\`*[\]<>_]|&#\d+;/);
      }
    }
  });

  it('cuts a snippet only at a word boundary', () => {
    let cuts = 0;
    for (const { name, d } of all) {
      const md = renderMarkdown(d);
      for (const m of md.matchAll(/(\S*)…/g)) {
        cuts++;
        // The word before the ellipsis is whole: it appears, followed by a space or punctuation, in the
        // determination the brief was made from.
        const word = m[1]!.replace(/^[^\p{L}\p{N}]+/u, '').replace(/\\/g, '');
        if (!word) continue;
        const source = JSON.stringify(d);
        expect(new RegExp(`${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s,.;:)—–-]`).test(source), `${name}: "${word}…"`).toBe(true);
      }
    }
    expect(cuts).toBeGreaterThan(0);
  });

  it('offers as a suggestion only what the engine stands behind, and says why when the usual next step is refused', () => {
    const seed000 = determine(library, resourcesOf(loadPersona('seed000-neurectomy-aetna')), { today: TODAY }).find((d) => d.order.code.code === '64772')!;
    const rfa = seed000.alternatives.find((a) => a.action?.code.code === '64625');
    expect(rfa?.assessment?.outcome).toBe('not-medically-necessary');
    expect(rfa?.actionable).toBe(false);
    expect(renderMarkdown(seed000)).toMatch(/\(64625\) is the usual next step, but it is not medically necessary under Aetna CPB 0016/);
    for (const { name, d } of all) {
      for (const a of d.alternatives.filter((x) => x.action && x.assessment)) {
        expect(a.actionable, `${name}: ${a.id}`).toBe(a.assessment!.outcome === 'criteria-met' || a.assessment!.outcome === 'documentation-needed');
      }
    }
  });

  it('uses critical only for a patient-safety advisory, and names the advisory in the brief', () => {
    const safety = all.filter(({ d }) => d.advisories.some((a) => a.safety));
    expect(safety.length).toBeGreaterThan(0);
    for (const { name, d } of safety) {
      const a = d.advisories.find((x) => x.safety)!;
      expect(renderMarkdown(d), name).toContain(`**${a.title}:**`);
    }
  });
});
