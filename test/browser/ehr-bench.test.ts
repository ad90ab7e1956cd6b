// The sandbox EHR as a test bench, driven in headless Chromium against the real server: several draft
// orders signed in one order-sign request; a card overridden with a reason, stored by the service's
// feedback endpoint and read back from the store; a card accepted; the payer and state switched
// through the FHIR server, changing the card; and the raw request edited and replayed with a freshly
// signed JWT. Each step's HTTP traffic is watched, so the test sees what the page really sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import type { Browser, Page, Request } from 'playwright-core';
import { buildClient, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let page: Page;
const sent: Request[] = [];

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => sent.push(r));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The uuids of the cards shown, from the response the page shows beside them. */
async function shownCardIds(): Promise<string[]> {
  const response = JSON.parse(await page.getByLabel('CDS Hooks response').innerText()) as { cards: { uuid: string }[] };
  return response.cards.map((c) => c.uuid);
}

const cardText = async () => (await page.locator('.cds-card').allInnerTexts()).join('\n');
const requestsTo = (path: string) => sent.filter((r) => new URL(r.url()).pathname === path && r.method() === 'POST');

async function openPatient(name: RegExp): Promise<void> {
  await page.goto(`${server.base}/ehr`);
  await page.getByRole('button', { name }).click();
  await page.getByRole('heading', { name: 'Draft orders' }).waitFor();
  await page.locator('.ehr-orders tbody tr').first().waitFor({ timeout: 30_000 });
}

async function waitForCards(heading: RegExp): Promise<void> {
  await page.getByRole('heading', { name: heading }).waitFor({ timeout: 30_000 });
  await page.locator('.cds-card').first().waitFor({ timeout: 30_000 });
}

describe('the sandbox EHR as a test bench', () => {
  it('signs two drafts in one order-sign request and shows a card for each', async () => {
    await openPatient(/Marguerite Fictitia Quillfeather/);
    const rows = page.locator('.ehr-orders tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await page.getByRole('checkbox', { name: /Select 64772/ }).check();
    await page.getByRole('checkbox', { name: /Select 64999/ }).check();
    const before = requestsTo('/ehr/api/sign').length;
    await page.getByRole('button', { name: 'Sign selected (2) in one request' }).click();
    await waitForCards(/CDS cards for 2 orders signed together/);
    const calls = requestsTo('/ehr/api/sign').slice(before);
    expect(calls).toHaveLength(1);
    expect((calls[0]!.postDataJSON() as { orders: unknown[] }).orders).toHaveLength(2);
    // The hook request the service received names both drafts.
    await page.getByText(/The CDS Hooks request and response/).click();
    const request = JSON.parse(await page.locator('.request-editor').inputValue()) as { context: { draftOrders: { entry: unknown[] } }; fhirAuthorization: { access_token: string } };
    expect(request.context.draftOrders.entry).toHaveLength(2);
    expect(request.fhirAuthorization.access_token).toBe('(redacted)');
    expect(await page.locator('.cds-card').count()).toBe(2);
    await expect(cardText()).resolves.toMatch(/64772/);
    await expect(cardText()).resolves.toMatch(/64999/);
    await screenshot(page, 'bench-two-orders');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('an override with a reason and a comment is a real feedback POST, stored, and shown read back from the store', async () => {
    const card = page.locator('.cds-card').first();
    await card.getByRole('button', { name: 'Override…' }).click();
    const reasons = card.getByLabel('Reason');
    await reasons.selectOption({ label: 'Patient informed of likely non-coverage and chooses to proceed' });
    await card.getByLabel('Comment (optional)').fill('Discussed with the patient today');
    const feedback = page.waitForResponse((r) => new URL(r.url()).pathname === '/ehr/api/feedback' && r.request().method() === 'POST');
    await card.getByRole('button', { name: 'Send override' }).click();
    const answer = (await (await feedback).json()) as { status: number };
    expect(answer.status).toBe(200);
    await card.getByRole('status').filter({ hasText: /feedback stored by the service \(HTTP 200\)/ }).waitFor();
    // The view reads the store back, not the page's memory.
    const log = page.locator('.ehr-feedback');
    await log.getByRole('cell', { name: /Patient informed of likely non-coverage/ }).waitFor({ timeout: 30_000 });
    await log.filter({ hasText: /overridden[\s\S]*Discussed with the patient today/ }).waitFor();
    // And the store itself holds it, linked to the card that was shown.
    const [first] = await shownCardIds();
    const stored = await server.composed.feedbackStore.feedbackFor(first!);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      outcome: 'overridden',
      overrideReason: { reason: { code: 'patient-informed' }, userComment: 'Discussed with the patient today' },
      issued: { uuid: first },
    });
  });

  it('accepting the other card stores an accepted outcome', async () => {
    const card = page.locator('.cds-card').nth(1);
    const suggestion = card.getByRole('button', { name: /^(★ )?Accept: / });
    const accept = (await suggestion.count()) > 0 ? suggestion.first() : card.getByRole('button', { name: 'Accept', exact: true });
    await accept.click();
    await card.getByRole('status').filter({ hasText: /Accepted[\s\S]*feedback stored by the service \(HTTP 200\)/ }).waitFor();
    await page.locator('.ehr-feedback').getByRole('cell', { name: 'accepted' }).waitFor({ timeout: 30_000 });
    const [, second] = await shownCardIds();
    const stored = await server.composed.feedbackStore.feedbackFor(second!);
    expect(stored.map((e) => e.outcome)).toEqual(['accepted']);
    await screenshot(page, 'bench-feedback');
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('switching the payer and state, and replaying a request', () => {
  it('27096 under Medicare in Ohio is judged by LCD L39383; moved to Texas (no LCD) it falls to the evidence pathway; switched to Aetna it is Aetna’s', async () => {
    await openPatient(/Harriet Exemplar Pennywhistle/);
    const now = page.getByTestId('coverage-now');
    await now.filter({ hasText: /Medicare Part B[\s\S]*state OH/ }).waitFor();
    const signAgain = async () => {
      await page.getByRole('row', { name: /27096/ }).getByRole('button', { name: 'Sign' }).click();
      await page.getByText(/The payer or state has changed since these cards/).waitFor({ state: 'detached' });
      await page.locator('.cds-card').first().waitFor({ timeout: 30_000 });
      return cardText();
    };
    const apply = async (change: { payer?: string; state?: string }, shown: RegExp) => {
      if (change.payer) await page.getByLabel('Payer', { exact: true }).selectOption(change.payer);
      if (change.state) await page.getByLabel('State', { exact: true }).selectOption(change.state);
      const write = page.waitForResponse((r) => new URL(r.url()).pathname === '/ehr/api/coverage' && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Apply' }).click();
      expect((await write).status()).toBe(200);
      await now.filter({ hasText: shown }).waitFor();
    };

    const inOhio = await signAgain();
    expect(inOhio).toMatch(/L39383/);

    await apply({ state: 'TX' }, /Medicare Part B[\s\S]*state TX[\s\S]*changed on this bench/);
    await page.getByText(/The payer or state has changed since these cards/).waitFor();
    // The write went through the FHIR server: what anyone reads there now is the new state.
    const fhir = `${server.base}/fhir`;
    const patient = (await (await fetch(`${fhir}/Patient/met27096oh-patient`)).json()) as { address: { state: string }[] };
    expect(patient.address[0]!.state).toBe('TX');
    const inTexas = await signAgain();
    expect(inTexas).not.toMatch(/L39383/);
    expect(inTexas).toMatch(/pathway/i);

    await apply({ payer: 'aetna' }, /Aetna[\s\S]*state TX/);
    const coverages = (await (await fetch(`${fhir}/Coverage?beneficiary=Patient/met27096oh-patient`)).json()) as { entry: { resource: { status: string; payor: { display: string }[] } }[] };
    expect(coverages.entry.filter((e) => e.resource.status === 'active').map((e) => e.resource.payor[0]!.display)).toEqual(['Aetna']);
    const underAetna = await signAgain();
    expect(underAetna).toMatch(/Aetna/);
    expect(underAetna).not.toMatch(/L39383/);
    await screenshot(page, 'bench-payer-switch');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('restore puts the record back as it was loaded, and the LCD governs again', async () => {
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByTestId('coverage-now').filter({ hasText: /Medicare Part B[\s\S]*state OH/ }).waitFor();
    await page.getByRole('button', { name: 'Restore' }).and(page.locator(':disabled')).waitFor();
    const patient = (await (await fetch(`${server.base}/fhir/Patient/met27096oh-patient`)).json()) as { address: { state: string }[] };
    expect(patient.address[0]!.state).toBe('OH');
    await page.getByRole('row', { name: /27096/ }).getByRole('button', { name: 'Sign' }).click();
    await page.getByText(/The payer or state has changed since these cards/).waitFor({ state: 'detached' });
    await page.locator('.cds-card').first().filter({ hasText: /L39383/ }).waitFor({ timeout: 30_000 });
  });

  it('an edited request is replayed with a freshly signed JWT and a fresh token, and the cards follow the edit', async () => {
    // The JWTs that arrive at the CDS service's own endpoint (headers only: the body stays the service's to read).
    const jwts: string[] = [];
    const tap = (req: IncomingMessage) => {
      if (req.url === '/cds-services/sij-medical-necessity' && req.method === 'POST') jwts.push(String(req.headers.authorization).replace(/^Bearer /, ''));
    };
    server.http.prependListener('request', tap);
    try {
      await openPatient(/Marguerite Fictitia Quillfeather/);
      await page.getByRole('checkbox', { name: /Select 64772/ }).check();
      await page.getByRole('checkbox', { name: /Select 64999/ }).check();
      await page.getByRole('button', { name: 'Sign selected (2) in one request' }).click();
      await waitForCards(/CDS cards for 2 orders signed together/);
      expect(await page.locator('.cds-card').count()).toBe(2);
      const exchange = page.locator('details.ehr-exchange');
      if (!(await exchange.evaluate((d) => (d as HTMLDetailsElement).open))) await exchange.locator('summary').click();
      const editor = page.locator('.request-editor');
      const request = JSON.parse(await editor.inputValue()) as { hookInstance: string; context: { draftOrders: { entry: { resource: { code: { coding: { code: string }[] } } }[] } } };
      // Keep only the 64999 draft, under a hookInstance of our own.
      request.context.draftOrders.entry = request.context.draftOrders.entry.filter((e) => e.resource.code.coding[0]!.code === '64999');
      request.hookInstance = '6d0a1b2c-0000-4000-8000-00000000beef';
      await editor.fill(JSON.stringify(request, null, 2));
      const replayed = page.waitForResponse((r) => new URL(r.url()).pathname === '/ehr/api/replay');
      await page.getByRole('button', { name: 'Send again (fresh JWT)' }).click();
      expect((await replayed).status()).toBe(200);
      await waitForCards(/CDS cards for the edited request, sent again/);
    } finally {
      server.http.removeListener('request', tap);
    }
    // The service answered 200 and judged only the 64999 draft: it read the record with a token that works (with the
    // "(redacted)" the page holds, the FHIR server answers 401 and the service has no record to judge).
    await expect(page.locator('#cards-title').innerText()).resolves.toMatch(/order-sign → HTTP 200/);
    expect(await page.locator('.cds-card').count()).toBe(1);
    await expect(cardText()).resolves.toMatch(/64999/);
    await expect(cardText()).resolves.not.toMatch(/indeterminate|could not be (read|determined)/i);

    // Each call had a JWT of its own for the service's URL: another jti (the service refuses a reused one), signed no earlier.
    expect(jwts).toHaveLength(2);
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { iat: number; aud: string; jti: string };
    const [signed, replay] = jwts.map(claims) as [ReturnType<typeof claims>, ReturnType<typeof claims>];
    expect(replay.aud).toBe(`${server.base}/cds-services/sij-medical-necessity`);
    expect(replay.jti).not.toBe(signed.jti);
    expect(replay.iat).toBeGreaterThanOrEqual(signed.iat);

    // The card the replay produced was issued under the edited hookInstance: feedback on it says so.
    const [uuid] = await shownCardIds();
    await page.locator('.cds-card').first().getByRole('button', { name: 'Override…' }).click();
    await page.locator('.cds-card').first().getByRole('button', { name: 'Send override' }).click();
    await page.locator('.cds-card').first().getByRole('status').filter({ hasText: /HTTP 200/ }).waitFor();
    const stored = await server.composed.feedbackStore.feedbackFor(uuid!);
    expect(stored[0]?.issued.hookInstance).toBe('6d0a1b2c-0000-4000-8000-00000000beef');
    await screenshot(page, 'bench-replay');
  });

  it('a request that is not valid JSON is refused on the page, and nothing is sent', async () => {
    const editor = page.locator('.request-editor');
    await editor.fill('{ "hook": "order-sign", ');
    const before = requestsTo('/ehr/api/replay').length;
    await page.getByRole('button', { name: 'Send again (fresh JWT)' }).click();
    await page.getByRole('alert').filter({ hasText: /not valid JSON[\s\S]*Nothing was sent/ }).waitFor();
    expect(requestsTo('/ehr/api/replay').length).toBe(before);
  });

  it('a replay for a patient the sandbox does not have is a clear 400, shown beside the editor', async () => {
    const editor = page.locator('.request-editor');
    await editor.fill(JSON.stringify({ hook: 'order-sign', hookInstance: 'x', context: { patientId: 'nobody', draftOrders: { resourceType: 'Bundle', entry: [] } } }));
    await page.getByRole('button', { name: 'Send again (fresh JWT)' }).click();
    await page.getByRole('alert').filter({ hasText: /context\.patientId must name one of the sandbox patients/ }).waitFor();
  });
});
