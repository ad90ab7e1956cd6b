// The feedback behaviour both stores must show, run against SQLite and PostgreSQL alike.
import { expect, it } from 'vitest';
import type { FeedbackStore } from '../../cds-hooks/feedback-store';
import { cdsResponseProblems, expectValid, feedbackAckProblems, operationOutcomeProblems } from './contract';
import { hookRequest, SERVICE_URL_PATH, startApp, type StartOptions } from './harness';
import { ADA, adaFullPrefetch, adaOrders } from './patients';

const fullPrefetch = adaFullPrefetch();

export function feedbackScenarios(label: string, open: () => Promise<{ options: StartOptions; reopen: () => Promise<FeedbackStore> }>) {
  it(`${label}: feedback on an issued card is stored with the determination it answered, and survives a restart`, async () => {
    const { options, reopen } = await open();
    const app = await startApp({ ...options, keepStore: true });
    const issued = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: fullPrefetch }));
    expect(issued.status).toBe(200);
    expectValid(cdsResponseProblems(issued.body));
    const card = issued.body.cards.find((c: any) => c.extension['medical-necessity'].code.code === '64625');
    const suggestion = card.suggestions?.[0];
    const feedback = {
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { reason: card.overrideReasons[0], userComment: 'payer called' },
          outcomeTimestamp: '2025-06-01T10:00:00Z',
        },
        ...(suggestion ? [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: '2025-06-01T10:01:00Z' }] : []),
      ],
    };
    const res = await app.post(`${SERVICE_URL_PATH}/feedback`, feedback);
    expectValid(feedbackAckProblems(res.status, res.body));
    await app.close();
    await app.store.close();

    const store = await reopen();
    try {
      const stored = await store.feedbackFor(card.uuid);
      expect(stored).toHaveLength(feedback.feedback.length);
      expect(stored[0]).toMatchObject({ card: card.uuid, outcome: 'overridden', overrideReason: { userComment: 'payer called' } });
      expect(stored[0]!.issued.orderReference).toBe('ServiceRequest/cds-ada-rfa');
      expect(stored[0]!.issued.outcome).toBe('not-medically-necessary');
      expect((stored[0]!.issued.determination as any).policy.id).toBe('aetna-cpb-0016');
      if (suggestion) expect(stored[1]!.acceptedSuggestions).toEqual([{ id: suggestion.uuid }]);
    } finally {
      await store.close();
    }
  });

  it(`${label}: feedback for a card the service never issued is refused with a clear OperationOutcome, and nothing is stored`, async () => {
    const { options } = await open();
    const app = await startApp(options);
    try {
      const issued = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: fullPrefetch }));
      const known = issued.body.cards[0].uuid;
      const unknown = '00000000-0000-4000-8000-000000000000';
      const res = await app.post(`${SERVICE_URL_PATH}/feedback`, {
        feedback: [
          { card: known, outcome: 'accepted', outcomeTimestamp: '2025-06-01T10:00:00Z' },
          { card: unknown, outcome: 'accepted', outcomeTimestamp: '2025-06-01T10:00:00Z' },
        ],
      });
      expect(res.status).toBe(422);
      expectValid(operationOutcomeProblems(res.body));
      expect(res.body.issue[0].details.text).toContain(unknown);
      expect(await app.store.feedbackFor(known)).toHaveLength(0);
      const bad = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: known, outcome: 'maybe' }] });
      expect(bad.status).toBe(400);
      expectValid(operationOutcomeProblems(bad.body));
      const good = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: known, outcome: 'accepted', outcomeTimestamp: '2025-06-01T10:00:00Z' }] });
      expectValid(feedbackAckProblems(good.status, good.body));
    } finally {
      await app.close();
    }
  });

  it(`${label}: a JWT id is accepted once and refused after, and the store remembers it across a restart`, async () => {
    const { reopen } = await open();
    const store = await reopen();
    const key = JSON.stringify(['https://ehr.example.org', crypto.randomUUID()]);
    const exp = Date.now() + 300_000;
    expect(await store.firstUse(key, exp)).toBe(true);
    expect(await store.firstUse(key, exp)).toBe(false);
    await store.close();
    const again = await reopen();
    expect(await again.firstUse(key, exp)).toBe(false);
    expect(await again.firstUse(`${key}-other`, exp)).toBe(true);
    await again.close();
  });

  it(`${label}: a retried POST of the same feedback is stored once; an outcomeTimestamp that is not ISO 8601 is a 400`, async () => {
    const { options } = await open();
    const app = await startApp(options);
    try {
      const issued = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: fullPrefetch }));
      const card = issued.body.cards[0].uuid;
      const body = { feedback: [{ card, outcome: 'overridden', overrideReason: { userComment: 'x', reason: { code: 'patient-informed', system: 'urn:sij-necessity:override-reason' } }, outcomeTimestamp: '2025-06-01T10:00:00Z' }] };
      const first = await app.post(`${SERVICE_URL_PATH}/feedback`, body);
      expect([first.status, first.body]).toEqual([200, { received: 1 }]);
      // The same entry again, its keys in another order: still the same entry.
      const reordered = { feedback: [{ outcomeTimestamp: '2025-06-01T10:00:00Z', overrideReason: { reason: { system: 'urn:sij-necessity:override-reason', code: 'patient-informed' }, userComment: 'x' }, outcome: 'overridden', card }] };
      const retried = await app.post(`${SERVICE_URL_PATH}/feedback`, reordered);
      expect([retried.status, retried.body]).toEqual([200, { received: 1 }]); // the caller cannot tell a retry apart
      expect(await app.store.feedbackFor(card)).toHaveLength(1);
      const later = { feedback: [{ ...body.feedback[0], outcomeTimestamp: '2025-06-01T11:00:00Z' }] };
      expect((await app.post(`${SERVICE_URL_PATH}/feedback`, later)).status).toBe(200);
      expect(await app.store.feedbackFor(card)).toHaveLength(2);
      for (const ts of ['yesterday', '2025-06-01', '2025-06-01T10:00:00', '2025-13-01T10:00:00Z']) {
        const bad = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card, outcome: 'accepted', outcomeTimestamp: ts }] });
        expect(bad.status, ts).toBe(400);
        expect(JSON.stringify(bad.body)).toContain('ISO 8601');
      }
      expect(await app.store.feedbackFor(card)).toHaveLength(2);
    } finally {
      await app.close();
    }
  });

  it(`${label}: an accepted suggestion must be one of the card's own, else 422 and nothing is stored`, async () => {
    const { options } = await open();
    const app = await startApp(options);
    try {
      const issued = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: fullPrefetch }));
      const cards = issued.body.cards as any[];
      const withSuggestion = cards.find((c) => c.suggestions?.length);
      expect(withSuggestion).toBeDefined();
      const other = cards.find((c) => c !== withSuggestion)!;
      const own = withSuggestion.suggestions[0].uuid;
      for (const id of ['00000000-0000-4000-8000-000000000001', own]) {
        const res = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: other.uuid, outcome: 'accepted', acceptedSuggestions: [{ id }], outcomeTimestamp: '2025-06-01T10:00:00Z' }] });
        expect(res.status).toBe(422);
        expectValid(operationOutcomeProblems(res.body));
      }
      expect(await app.store.feedbackFor(other.uuid)).toHaveLength(0);
      const ok = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: withSuggestion.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: own }], outcomeTimestamp: '2025-06-01T10:00:00Z' }] });
      expect(ok.status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it(`${label}: issued cards are kept compactly, and those no feedback answers are deleted after the retention period`, async () => {
    const { options } = await open();
    const app = await startApp(options);
    try {
      const issued = await app.post(SERVICE_URL_PATH, hookRequest({ patientId: ADA, orders: adaOrders(), prefetch: fullPrefetch }));
      const [answered, unanswered] = issued.body.cards as any[];
      await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: answered.uuid, outcome: 'accepted', outcomeTimestamp: '2025-06-01T10:00:00Z' }] });
      const [stored] = await app.store.feedbackFor(answered.uuid);
      const kept = JSON.stringify(stored!.issued.determination);
      const full = JSON.stringify(answered.extension['medical-necessity']);
      expect(kept.length).toBeLessThan(full.length / 2); // the determination's gist, not the card
      expect(JSON.parse(kept)).toMatchObject({ outcome: answered.extension['medical-necessity'].outcome, policy: { id: answered.extension['medical-necessity'].policy.id } });

      // Ninety days on: the unanswered card goes, the answered one stays with its feedback.
      const purged = await app.store.purgeIssuedBefore(new Date(Date.now() + 1000).toISOString());
      expect(purged).toBeGreaterThanOrEqual(1);
      expect((await app.store.issuedSuggestions('sij-medical-necessity', [answered.uuid, unanswered.uuid])).has(unanswered.uuid)).toBe(false);
      expect(await app.store.feedbackFor(answered.uuid)).toHaveLength(1);
      const late = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [{ card: unanswered.uuid, outcome: 'accepted', outcomeTimestamp: '2025-06-01T10:00:00Z' }] });
      expect(late.status).toBe(422);
    } finally {
      await app.close();
    }
  });
}
