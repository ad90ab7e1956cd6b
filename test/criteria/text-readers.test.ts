import { describe, expect, it } from 'vitest';
import { durationWeeksFromText, reliefFromText } from '../../criteria/relief';
import { compileValueSet } from '../../criteria/valueset';

describe('relief written in a procedure note', () => {
  it.each([
    ['80-90% relief of index pain', 80],
    ['80 to 90 % relief', 80],
    ['Patient reports 75% relief for the duration of the anaesthetic', 75],
    ['40–50% relief lasting more than 6 months', 40],
    ['reduction of pain by 100%', 100],
  ])('"%s" counts as %i%%, the lower bound', (text, pct) => {
    expect(reliefFromText(text)).toBe(pct);
  });
  it.each(['Injection with 2% lidocaine', 'tolerated well', '150% of baseline relief'])('"%s" is not a relief figure', (text) => {
    expect(reliefFromText(text)).toBeUndefined();
  });
  it('reads how long relief lasted', () => {
    expect(durationWeeksFromText('40-50% relief lasting more than 6 months')).toBe(26);
    expect(durationWeeksFromText('relief for 12 weeks')).toBe(12);
    expect(durationWeeksFromText('good relief')).toBeUndefined();
  });
});

describe('value sets', () => {
  const vs = compileValueSet({
    id: 't',
    extension: [{ url: 'urn:sij-necessity:text-pattern', valueString: 'sacroiliac' }],
    compose: {
      include: [
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', filter: [{ property: 'concept', op: 'is-a', value: 'S33.6' }] },
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', concept: [{ code: 'M53.2X8' }] },
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', concept: [{ code: '7258' }], extension: [{ url: 'urn:sij-necessity:class', valueCode: 'nsaid' }] },
      ],
    },
  });
  it('matches an ICD-10-CM family by prefix, with or without dots', () => {
    expect(vs.has({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'S33.6XXA' }] })).toBe(true);
    expect(vs.has({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'S336XXD' }] })).toBe(true);
    expect(vs.has({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'S33.5XXA' }] })).toBe(false);
  });
  it('does not match a code from another system', () => {
    expect(vs.has({ coding: [{ system: 'http://snomed.info/sct', code: 'M53.2X8' }] })).toBe(false);
  });
  it('falls back to the text pattern, and carries the class of the include that matched', () => {
    expect(vs.match({ text: 'Right sacroiliac joint pain' })?.by).toBe('text');
    expect(vs.match({ coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7258' }] })?.cls).toBe('nsaid');
    expect(vs.has({ text: 'knee pain' })).toBe(false);
  });
});
