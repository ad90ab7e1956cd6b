// The engine's text readers: relief as written, relief duration, the negation-and-context module
// (with its own phrase table, test/criteria/negation-phrases.json), and value sets that read codes
// before words.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationWeeksFromText, reliefFromText } from '../../criteria/relief';
import { textOf } from '../../criteria/text';
import { compileValueSet } from '../../criteria/valueset';
import { mentions } from '../../criteria/negation';
import phrases from './negation-phrases.json' with { type: 'json' };

describe('relief written in a note', () => {
  it.each([
    ['80-90% relief of index pain', 80],
    ['80 to 90 % relief', 80],
    ['Patient reports 75% relief for the duration of the anaesthetic', 75],
    ['40–50% relief lasting more than 6 months', 40],
    ['reduction of pain by 100%', 100],
    ['Pain improved by 70 percent', 70],
    ['70-80 percent relief of the index pain', 70],
    ['70 to 80 per cent relief', 70],
    ['85% relief of the index pain after 1.5 mL of 2% lidocaine.', 85],
    ['Injected 3 mL of 1% lidocaine and 0.5% bupivacaine. Patient reported 85% relief at 30 minutes.', 85],
    ['Lidocaine 1% infiltrated; 60% improvement for 4 months', 60],
  ])('"%s" counts as %i%%, the lower bound of a range, never a drug concentration', (text, pct) => {
    expect(reliefFromText(text)?.pct).toBe(pct);
  });
  it('quotes the sentence the number came from', () => {
    const r = reliefFromText('Injected 3 mL of 1% lidocaine. Patient reported 85% relief at 30 minutes. Discharged home.');
    expect(r?.quote).toBe('Patient reported 85% relief at 30 minutes.');
    expect(r?.written).toBe('85%');
  });
  it('reads "less than 50%" as a range below 50, not as 50', () => {
    expect(reliefFromText('less than 50% relief')).toMatchObject({ pct: 0, range: [0, 49.99] });
    expect(reliefFromText('less than 50 percent relief')).toMatchObject({ pct: 0, range: [0, 49.99] });
  });
  it('a decimal does not end the sentence it is in', () => {
    const r = reliefFromText('Injected 1.5 mL of 2% lidocaine; patient reported 85% relief at 30 minutes. Discharged home.');
    expect(r?.quote).toBe('patient reported 85% relief at 30 minutes.');
    expect(reliefFromText('After 1.5 mL of 0.5% bupivacaine the patient reported 80% relief.')?.quote).toBe('After 1.5 mL of 0.5% bupivacaine the patient reported 80% relief.');
  });
  it.each(['Injection with 2% lidocaine', 'Skin prepped with 2% chlorhexidine; 1% lidocaine local', 'tolerated well', '150% of baseline relief', 'No relief; 80% of the contrast stayed intra-articular'])(
    '"%s" is not a relief figure',
    (text) => {
      expect(reliefFromText(text)).toBeUndefined();
    },
  );
  it('reads how long relief lasted', () => {
    expect(durationWeeksFromText('40-50% relief lasting more than 6 months')?.weeks).toBe(26);
    expect(durationWeeksFromText('relief for 12 weeks')?.weeks).toBe(12);
    expect(durationWeeksFromText('60% improvement for 4 months')?.weeks).toBeCloseTo(17.3, 1);
    expect(durationWeeksFromText('good relief')).toBeUndefined();
  });
});

describe('negation and context', () => {
  it.each(phrases.phrases.map((p) => [p.text, p.pattern, p.context] as const))('"%s": "%s" is %s', (text, pattern, context) => {
    expect(mentions(text, new RegExp(pattern, 'i'))[0]?.context).toBe(context);
  });

  // Short texts are remembered per pattern (criteria/negation.ts): a remembered reading must be the
  // reading, and nobody may change it for the next entry that says the same words.
  it('a remembered reading equals the first one, and cannot be changed by a caller', () => {
    for (const p of phrases.phrases) {
      const re = new RegExp(p.pattern, 'i');
      const first = structuredClone(mentions(p.text, re));
      const again = mentions(p.text, re);
      expect(again).toEqual(first);
      expect(again).toBe(mentions(p.text, re));
      expect(Object.isFrozen(again) && again.every((m) => Object.isFrozen(m))).toBe(true);
      expect(() => (again as unknown as { context: string }[]).forEach((m) => (m.context = 'affirmed'))).toThrow(TypeError);
    }
  });

  it('remembers no narrative: a long text is read afresh each time', () => {
    const re = /\bradiculopathy\b/i;
    const text = `${'Patient seen for follow-up of low back pain. '.repeat(6)}No radiculopathy.`;
    const a = mentions(text, re);
    expect(a[0]?.context).toBe('negated');
    expect(mentions(text, re)).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(false);
  });

  it('a remembered reading equals a fresh one, whatever else was read in the same words', () => {
    fc.assert(
      fc.property(fc.constantFrom(...phrases.phrases), fc.constantFrom(...phrases.phrases), (a, b) => {
        const re = new RegExp(a.pattern, 'i');
        const first = mentions(b.text, re);
        mentions(b.text, new RegExp(b.pattern, 'i')); // another pattern's reading of the same words
        expect(mentions(b.text, re)).toBe(first); // remembered
        expect(mentions(b.text, new RegExp(a.pattern, 'i'))).toEqual(first); // read afresh (a new pattern object)
      }),
    );
  });
});

describe('value sets', () => {
  const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
  const vs = compileValueSet({
    id: 't',
    extension: [{ url: 'urn:sij-necessity:text-pattern', valueString: 'sacroiliac|radiculopathy' }],
    compose: {
      include: [
        { system: ICD, filter: [{ property: 'concept', op: 'is-a', value: 'S33.6' }] },
        { system: ICD, concept: [{ code: 'M53.2X8' }, { code: 'M47.816' }] },
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', concept: [{ code: '7258' }], extension: [{ url: 'urn:sij-necessity:class', valueCode: 'nsaid' }] },
      ],
    },
  });
  it('matches an ICD-10-CM family by prefix, with or without dots', () => {
    expect(vs.has({ coding: [{ system: ICD, code: 'S33.6XXA' }] })).toBe(true);
    expect(vs.has({ coding: [{ system: ICD, code: 'S336XXD' }] })).toBe(true);
    expect(vs.has({ coding: [{ system: ICD, code: 'S33.5XXA' }] })).toBe(false);
  });
  it('does not match a code from another system', () => {
    expect(vs.has({ coding: [{ system: 'http://snomed.info/sct', code: 'M53.2X8' }] })).toBe(false);
  });
  it('reads words only when no known code decides: a listed code with "radiculopathy" in its title is not matched by that word', () => {
    const m47816 = { coding: [{ system: ICD, code: 'M47.818', display: 'Spondylosis without myelopathy or radiculopathy, sacral region' }] };
    expect(vs.has(m47816)).toBe(false); // unknown code: words read, and "without … radiculopathy" is negated
    expect(vs.has({ text: 'Right sacroiliac joint pain' })).toBe(true);
    expect(vs.has({ text: 'No sacroiliac tenderness' })).toBe(false);
  });
  it('carries the class of the include that matched', () => {
    expect(vs.match({ coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7258' }] })?.cls).toBe('nsaid');
    expect(vs.has({ text: 'knee pain' })).toBe(false);
  });
});

describe('gathering words', () => {
  it('textOf joins the non-empty strings among its parts, arrays flattened three levels deep, as flat(3) did', () => {
    const byFlat = (...parts: unknown[]) => (parts.flat(3) as unknown[]).filter((p) => typeof p === 'string' && p.length > 0).join(' ');
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('', undefined, null, 3, {}, new String('boxed')));
    const part = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.sparseArray(leaf, { maxLength: 3 })) })).node;
    fc.assert(
      fc.property(fc.array(part, { maxLength: 5 }), (parts) => {
        expect(textOf(...parts)).toBe(byFlat(...parts));
      }),
      { numRuns: 3000, seed: 1107 },
    );
    expect(textOf([[['deep']]], [[[['too deep']]]])).toBe('deep');
  });
});
