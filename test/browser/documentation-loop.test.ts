// The documentation loop in headless Chromium against the real server (Da Vinci CRD → DTR): the
// sandbox EHR signs a 27096 whose record lacks a pain score and the SIJ examination and gets
// documentation-needed; the card's link opens the app, whose form (the SDC renderer, with the
// questionnaire from $questionnaire-package) re-evaluates the determination with each answer; an
// answer can make a criterion not-met; partial answers are saved and resumed; a launch without write
// scopes keeps the response and says what was not saved; completing writes the QuestionnaireResponse
// and an Observation, and signing again gets the new card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_SCOPE, WRITE_SCOPES } from '../../client/config';
import { buildClient, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let page: Page;
const external: string[] = [];
const PATIENT = 'sbxdocs-patient';
const ORDER = 'ServiceRequest/sbxdocs-order-1';

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.base) && !r.url().startsWith('data:')) external.push(r.url());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Json = Record<string, any>;
async function fhirSearch(query: string): Promise<Json[]> {
  const res = await fetch(`${server.composed.sandbox!.fhirBase}/${query}`, { headers: { accept: 'application/fhir+json' } });
  return (((await res.json()) as Json).entry ?? []).map((e: Json) => e.resource);
}

async function signAtEhr(): Promise<string> {
  await page.goto(`${server.base}/ehr`);
  await page.getByRole('button', { name: /Dorothea Documenta Halloway/ }).click();
  await page.getByRole('row', { name: /27096/ }).getByRole('button', { name: 'Sign' }).click();
  const card = page.locator('.cds-card').first();
  await card.waitFor({ timeout: 30_000 });
  return card.locator('h3').innerText();
}

/** An EHR launch from the sandbox EHR page, optionally asking for other scopes (launch.html?scope=). */
async function launchApp(scope?: string): Promise<void> {
  await page.goto(`${server.base}/ehr`);
  const { launch, iss } = await page.evaluate(async (order) => {
    const res = await fetch('/ehr/api/launch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId: 'sbxdocs-patient', appContext: JSON.stringify({ order }) }) });
    return (await res.json()) as { launch: string; iss: string };
  }, ORDER);
  const url = new URL(`${server.base}/launch.html`);
  url.searchParams.set('launch', launch);
  url.searchParams.set('iss', iss);
  if (scope) url.searchParams.set('scope', scope);
  await page.goto(url.toString());
  await page.waitForURL(/\/app\//, { timeout: 30_000 });
}

async function openForm(): Promise<void> {
  await page.locator('.doc-prompt').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Complete documentation' }).click();
  await page.locator('#integer-pain-nrs-latest').waitFor({ timeout: 30_000 });
}

const panelOutcome = () => page.locator('.doc-panel .outcome-label');
async function answer(linkId: string, value: string): Promise<void> {
  const input = page.locator(`#integer-${linkId}`);
  await input.fill(value);
  await input.press('Tab');
}
async function panelSays(label: string): Promise<void> {
  await expect.poll(() => panelOutcome().innerText(), { timeout: 15_000 }).toBe(label);
}

describe('from documentation-needed to a decision inside the ordering workflow', { timeout: 120_000 }, () => {
  it('signing the order gets documentation-needed; the card opens the app, which offers the form for what is missing', async () => {
    await expect(signAtEhr()).resolves.toMatch(/27096 needs documentation/);
    await expect(page.locator('.cds-card').first().getByRole('button', { name: 'Complete documentation' }).count()).resolves.toBe(1);
    await page.locator('.cds-card').first().getByRole('button', { name: 'Review the criteria and evidence' }).click();
    await page.waitForURL(/\/app\//, { timeout: 30_000 });
    await page.locator('.doc-prompt').waitFor({ timeout: 30_000 });
    await expect(page.locator('.doc-prompt').innerText()).resolves.toMatch(/Current pain score; Sacroiliac provocative manoeuvres/);
    await openForm();
    await panelSays('Documentation needed');
    await screenshot(page, 'documentation-form');
  });

  it('an answer that fails a criterion makes it not-met, at once, beside the form', async () => {
    await answer('pain-nrs-latest', '7');
    await answer('positive-provocative-tests', '1');
    await panelSays('Criteria not met');
    await expect(page.locator('.doc-panel [data-criterion="lcd-provocative"] .status-chip').innerText()).resolves.toBe('Not met');
    await expect(page.locator('.doc-panel [data-criterion="lcd-severity"] .status-chip').innerText()).resolves.toBe('Met');
    // The answer is evidence with its author and date.
    await expect(page.locator('.doc-panel [data-criterion="lcd-severity"] .criterion-summary').innerText()).resolves.toMatch(/answered "7\/10" by Practitioner\/sandbox-practitioner on \d{4}-\d{2}-\d{2}/);
  });

  it('answering the questions takes the order to criteria-met', async () => {
    await answer('positive-provocative-tests', '3');
    await panelSays('Criteria met');
    await screenshot(page, 'documentation-criteria-met');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('answers changed in quick succession all count: none is lost or reverted by the renderer', async () => {
    const summary = (id: string) => page.locator(`.doc-panel [data-criterion="${id}"] .criterion-summary`).innerText();
    for (const [pain, tests] of [['9', '4'], ['7', '3']] as const) {
      await answer('pain-nrs-latest', pain);
      await answer('positive-provocative-tests', tests);
      await expect.poll(() => summary('lcd-severity'), { timeout: 15_000 }).toMatch(new RegExp(`answered "${pain}/10"`));
      await expect.poll(() => summary('lcd-provocative'), { timeout: 15_000 }).toMatch(new RegExp(`answered "${tests}"`));
      // Past the renderer's commit delay, the answers are still both there.
      await page.waitForTimeout(600);
      await expect(summary('lcd-severity')).resolves.toMatch(new RegExp(`answered "${pain}/10"`));
      await expect(summary('lcd-provocative')).resolves.toMatch(new RegExp(`answered "${tests}"`));
    }
  });

  it('partial answers are saved to the record unfinished and resumed when the form is opened again', async () => {
    await answer('positive-provocative-tests', '');
    await panelSays('Documentation needed');
    await page.getByRole('button', { name: 'Save for later' }).click();
    await expect(page.locator('.doc-saved').innerText()).resolves.toMatch(/saved as QuestionnaireResponse\/\S+ \(in-progress\)/);
    const stored = await fhirSearch(`QuestionnaireResponse?patient=${PATIENT}`);
    expect(stored.map((r) => r.status)).toEqual(['in-progress']);
    await page.getByRole('button', { name: '← Back to the determination' }).click();
    // An unfinished response is not evidence: the review still needs documentation.
    await page.getByRole('button', { name: 'Complete documentation' }).click();
    await page.locator('#integer-pain-nrs-latest').waitFor({ timeout: 30_000 });
    await expect(page.locator('.doc-note').first().innerText()).resolves.toMatch(/Resumed the unfinished response saved in the record/);
    await expect(page.locator('#integer-pain-nrs-latest').inputValue()).resolves.toBe('7');
  });

  it('without write scopes, completing keeps the response on screen and in the tab, and says what was not saved', async () => {
    const readOnly = DEFAULT_SCOPE.split(' ').filter((s) => !(WRITE_SCOPES as readonly string[]).includes(s)).join(' ');
    await launchApp(readOnly);
    await openForm();
    await expect(page.locator('#integer-pain-nrs-latest').inputValue()).resolves.toBe('7'); // resumed from the record
    await answer('positive-provocative-tests', '3');
    await panelSays('Criteria met');
    const before = await fhirSearch(`QuestionnaireResponse?patient=${PATIENT}`);
    await page.getByRole('button', { name: 'Complete and save to the record' }).click();
    const alert = page.locator('.doc-error[role="alert"]');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toMatch(/Not everything was saved to the record[\s\S]*kept in this tab/);
    await expect(page.locator('.doc-saved').innerText()).resolves.toMatch(/QuestionnaireResponse: not saved: the EHR did not grant patient\/QuestionnaireResponse\.u/);
    const kept = await page.locator('.unsaved-json').innerText();
    expect(JSON.parse(kept)).toMatchObject({ resourceType: 'QuestionnaireResponse', status: 'completed' });
    expect(kept).toContain('"valueInteger": 3');
    const inTab = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('sij-necessity:documentation:')).map((k) => sessionStorage.getItem(k)));
    expect(inTab.some((v) => v?.includes('"valueInteger":3'))).toBe(true);
    expect(await fhirSearch(`QuestionnaireResponse?patient=${PATIENT}`)).toEqual(before);
    await screenshot(page, 'documentation-refused-write');
  });

  it('the card’s “Complete documentation” opens the form at once (DTR launch); completing writes the response with DTR extensions and the pain score as an Observation', async () => {
    await expect(signAtEhr()).resolves.toMatch(/27096 needs documentation/); // an unfinished response is not evidence
    await page.locator('.cds-card').first().getByRole('button', { name: 'Complete documentation' }).click();
    await page.waitForURL(/\/app\//, { timeout: 30_000 });
    await page.locator('#integer-pain-nrs-latest').waitFor({ timeout: 30_000 });
    await expect(page.locator('#integer-pain-nrs-latest').inputValue()).resolves.toBe('7');
    await answer('positive-provocative-tests', '3');
    await panelSays('Criteria met');
    await page.getByRole('button', { name: 'Complete and save to the record' }).click();
    await expect.poll(() => page.locator('.doc-saved').innerText(), { timeout: 15_000 }).toMatch(/saved as QuestionnaireResponse\/\S+ \(completed\)[\s\S]*saved as Observation\//);
    const [qr, ...others] = await fhirSearch(`QuestionnaireResponse?patient=${PATIENT}`);
    expect(others).toHaveLength(0); // the unfinished one was completed, not duplicated
    expect(qr!.status).toBe('completed');
    expect(qr!.author.reference).toBe('Practitioner/sandbox-practitioner');
    const urls = qr!.extension.map((e: Json) => e.url);
    expect(urls).toEqual(expect.arrayContaining(['http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context', 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/intendedUse']));
    const pain = (await fhirSearch(`Observation?patient=${PATIENT}&code=72514-3`)).find((o) => o.derivedFrom?.[0]?.reference === `QuestionnaireResponse/${qr!.id}`);
    expect(pain?.valueQuantity?.value).toBe(7);
    await page.getByRole('button', { name: '← Back to the determination' }).click();
    await expect(page.locator('.outcome-label').first().innerText()).resolves.toBe('Criteria met');
  });

  it('signing again gets the new card: the service reads the answers in the record', async () => {
    await expect(signAtEhr()).resolves.toMatch(/27096 meets the criteria/);
    await screenshot(page, 'documentation-signed-again');
    expect(external).toEqual([]); // nothing left loopback (no public terminology server)
  });
});
