// The guard against the SDC renderer's stale commits (client/documentation/stale-answers.ts).
import { describe, expect, it } from 'vitest';
import { restoreDropped } from '../../client/documentation/stale-answers';

const group = (fact: string, value?: number | boolean) => ({
  linkId: `${fact}.group`,
  item: [{ linkId: fact, ...(value === undefined ? {} : { answer: [typeof value === 'boolean' ? { valueBoolean: value } : { valueInteger: value }] }) }],
});
const qr = (...item: object[]) => ({ resourceType: 'QuestionnaireResponse', item });

describe('answers a stale commit drops are put back', () => {
  const showing = (...ids: string[]) => (l: string) => ids.includes(l);

  it('a second field committed on a snapshot from before the first one’s commit: the form still shows the first answer', () => {
    const before = qr(group('pain', 7), group('tests'));
    const stale = qr(group('pain'), group('tests', 3));
    expect(restoreDropped(before, stale, showing('pain', 'tests'))).toEqual(qr(group('pain', 7), group('tests', 3)));
    // The same when the stale snapshot lacks the first group altogether, or changes nothing else.
    expect(restoreDropped(before, qr(group('tests', 3)), showing('pain', 'tests'))).toEqual(qr(group('pain', 7), group('tests', 3)));
    expect(restoreDropped(qr(group('pain', 7), group('tests', 3)), qr(group('pain'), group('tests', 3)), showing('pain', 'tests'))).toEqual(qr(group('pain', 7), group('tests', 3)));
  });

  it('an answer the user cleared, or a question a gate disabled (no longer shown), stays gone', () => {
    expect(restoreDropped(qr(group('pain', 7), group('tests', 3)), qr(group('pain'), group('tests', 3)), showing('tests'))).toBeUndefined();
    expect(restoreDropped(qr(group('diagnostic', true), group('x', 2)), qr(group('diagnostic', false), group('x')), showing('diagnostic'))).toBeUndefined();
    expect(restoreDropped(qr(group('pain')), qr(group('pain', 5)), showing('pain'))).toBeUndefined();
  });
});
