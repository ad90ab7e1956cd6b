// The guard against the SDC renderer's stale commits (client/documentation/stale-answers.ts).
import { describe, expect, it } from 'vitest';
import { restoreStale } from '../../client/documentation/stale-answers';

const group = (fact: string, value?: number | boolean) => ({
  linkId: `${fact}.group`,
  item: [{ linkId: fact, ...(value === undefined ? {} : { answer: [typeof value === 'boolean' ? { valueBoolean: value } : { valueInteger: value }] }) }],
});
const qr = (...item: object[]) => ({ resourceType: 'QuestionnaireResponse', item });

describe('answers a stale commit undoes are put back', () => {
  /** What the fields show: undefined keys are not on screen. */
  const fields = (shown: Record<string, string>) => (l: string) => (l in shown ? shown[l]! : null);

  it('a second field committed on a snapshot from before the first one’s commit: the form still shows the first answer', () => {
    const before = qr(group('pain', 7), group('tests'));
    const stale = qr(group('pain'), group('tests', 3));
    expect(restoreStale(before, stale, fields({ pain: '7', tests: '3' }))).toEqual(qr(group('pain', 7), group('tests', 3)));
    // The same when the stale snapshot lacks the first group altogether, or changes nothing else.
    expect(restoreStale(before, qr(group('tests', 3)), fields({ pain: '7', tests: '3' }))).toEqual(qr(group('pain', 7), group('tests', 3)));
    expect(restoreStale(qr(group('pain', 7), group('tests', 3)), qr(group('pain'), group('tests', 3)), fields({ pain: '7', tests: '3' }))).toEqual(qr(group('pain', 7), group('tests', 3)));
  });

  it('a changed answer a stale commit reverted is put back to what the form shows', () => {
    const before = qr(group('pain', 8), group('tests', 3));
    const reverted = qr(group('pain', 7), group('tests', 4));
    expect(restoreStale(before, reverted, fields({ pain: '8', tests: '4' }))).toEqual(qr(group('pain', 8), group('tests', 4)));
    expect(restoreStale(qr(group('diagnostic', true)), qr(group('diagnostic', false)), fields({ diagnostic: 'true' }))).toEqual(qr(group('diagnostic', true)));
  });

  it('what the user changed or cleared, and a question a gate disabled (not on screen), are left as they are', () => {
    expect(restoreStale(qr(group('pain', 7), group('tests', 3)), qr(group('pain'), group('tests', 3)), fields({ pain: '', tests: '3' }))).toBeUndefined();
    expect(restoreStale(qr(group('pain', 7)), qr(group('pain', 8)), fields({ pain: '8' }))).toBeUndefined();
    expect(restoreStale(qr(group('diagnostic', true), group('x', 2)), qr(group('diagnostic', false), group('x')), fields({ diagnostic: 'false' }))).toBeUndefined();
    expect(restoreStale(qr(group('pain')), qr(group('pain', 5)), fields({ pain: '5' }))).toBeUndefined();
  });
});
