// "Try it on any FHIR server": a patient with no in-scope order (as the Synthea patients of the public
// sandboxes) gets a form, not a dead end. A chosen code is judged against the record as a draft order
// built in the browser: the screen and the letter say it is hypothetical, and nothing is written to
// the FHIR server (every request the page makes is watched).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import { buildClient, ehrLaunch, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let page: Page;
const requests: Request[] = [];

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => requests.push(r));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const writes = () => requests.filter((r) => new URL(r.url()).pathname.startsWith('/fhir') && r.method() !== 'GET');
const serviceRequests = async () => ((await (await fetch(`${server.base}/fhir/ServiceRequest?patient=sandbox-no-data`)).json()) as { entry?: unknown[] }).entry?.length ?? 0;

describe('a record with nothing to review', () => {
  it('says so, with what was read, and offers to try a procedure against the record, labelled hypothetical', async () => {
    await ehrLaunch(page, server.base, 'sandbox-no-data');
    await page.locator('.try-screen').waitFor({ timeout: 30_000 });
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/Nothing to review for this patient/);
    expect(text).toMatch(/Condition: 1/);
    expect(text).toMatch(/27096/);
    expect(text).toMatch(/Hypothetical\.[\s\S]*Nothing is written to the EHR and no order is placed/);
    const codes = await page.getByRole('radio').evaluateAll((rs) => rs.map((r) => (r as HTMLInputElement).value));
    expect(codes.sort()).toEqual(['27096', '64451', '64625', '64772', '64999', 'G0260']);
    await screenshot(page, 'try-form');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('64999 without words is refused in words, before anything runs', async () => {
    await page.getByRole('radio', { name: /CPT 64999/ }).check();
    await page.getByRole('button', { name: 'Evaluate (hypothetical)' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/unlisted code: describe the procedure/);
    await expect(page.locator('.outcome').count()).resolves.toBe(0);
  });

  it('64451 is judged against the record, on a screen and in a letter that say it is hypothetical; nothing is written', async () => {
    const before = await serviceRequests();
    await page.getByRole('radio', { name: /CPT 64451/ }).check();
    await page.getByLabel(/Procedure in words/).fill('bilateral diagnostic lateral branch block');
    await page.getByRole('button', { name: 'Evaluate (hypothetical)' }).click();
    await page.locator('.outcome').first().waitFor();
    await expect(page.locator('.toolbar-title').innerText()).resolves.toMatch(/Hypothetical evaluation of CPT 64451/);
    await expect(page.getByRole('note').innerText()).resolves.toMatch(/Hypothetical\.[\s\S]*Nothing was written to the EHR and no order was placed/);
    // A real determination: an outcome and the criteria of the policy that governs this patient.
    await expect(page.locator('.outcome-label').first().innerText()).resolves.toMatch(/Criteria not met|Documentation needed|Not medically necessary|Criteria met/);
    expect(await page.locator('.criterion').count()).toBeGreaterThan(0);
    // Criteria met on what the record lacks say so: "met" is never shown beside "no entry speaks to this".
    const metWithoutEntry = await page.locator('.criterion.status-good .no-evidence').allInnerTexts();
    expect(metWithoutEntry.length).toBeGreaterThan(0);
    expect(metWithoutEntry.every((t) => t === 'Met because the record has no such entry.')).toBe(true);
    await expect(page.locator('.timeline-svg').innerHTML()).resolves.toMatch(/Hypothetical: CPT 64451/);
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.letter [data-section="hypothetical"]').innerText()).resolves.toMatch(/Hypothetical evaluation: no order was placed/);
    expect(await page.locator('.letter [data-section="appeal"]').count()).toBe(0);
    await page.emulateMedia({ media: 'screen' });
    await screenshot(page, 'try-hypothetical-64451');
    expect(await seriousViolations(page)).toEqual([]);
    expect(writes().map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
    expect(await serviceRequests()).toBe(before);
  });

  it('the hypothetical order opens from the timeline without asking the server for it', async () => {
    const asked = requests.length;
    await page.getByText(/Timeline as a table/).click();
    await page.locator('.timeline-table').getByRole('button', { name: /Hypothetical: CPT 64451/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.resource-json').waitFor();
    await expect(dialog.locator('.resource-json').innerText()).resolves.toMatch(/"id": "hypothetical-order"[\s\S]*"status": "draft"/);
    expect(requests.slice(asked).filter((r) => r.url().includes('hypothetical'))).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('another code, 64999 described as a ganglion impar block, is read as a coccygeal procedure', async () => {
    await page.getByRole('button', { name: '← Choose another procedure' }).click();
    await page.getByRole('radio', { name: /CPT 64999/ }).check();
    await page.getByLabel(/Procedure in words/).fill('ganglion impar block for coccydynia');
    await page.getByRole('button', { name: 'Evaluate (hypothetical)' }).click();
    await page.locator('.outcome').first().waitFor();
    await expect(page.locator('.toolbar-title').innerText()).resolves.toMatch(/CPT 64999 · unlisted nervous-system procedure read as a coccygeal or sacrococcygeal nerve procedure/);
    expect(writes()).toEqual([]);
  });
});

describe('a record with orders', () => {
  it('the order list also offers a hypothetical procedure', async () => {
    await ehrLaunch(page, server.base, 'seed000-patient');
    await page.locator('.order-list').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /Try another procedure against this record/ }).click();
    await page.locator('.try-screen').waitFor();
    await expect(page.locator('main').innerText()).resolves.not.toMatch(/Nothing to review/);
    await page.getByRole('radio', { name: /CPT 64625/ }).check();
    await page.getByRole('button', { name: 'Evaluate (hypothetical)' }).click();
    await page.locator('.outcome').first().waitFor();
    await expect(page.locator('.toolbar-title').innerText()).resolves.toMatch(/Hypothetical evaluation of CPT 64625/);
    expect(writes()).toEqual([]);
  });
});
