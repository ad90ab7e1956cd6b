// Standalone launch, the v1 scope fallback, and every error screen, in headless Chromium against the
// real server. Each error screen must say what happened and what to do; each passes axe. (A patient
// with nothing to review is not an error: test/browser/try-a-procedure.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildClient, ehrLaunch as launchViaEhr, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh browser context per test: sessions live in sessionStorage and must not leak. */
async function freshPage(): Promise<Page> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  return page;
}

const ehrLaunch = (patientId: string, appContext?: string) => launchViaEhr(page, server.base, patientId, appContext);

async function errorScreen(kind: string): Promise<string> {
  await page.locator(`[data-error-kind="${kind}"]`).waitFor({ timeout: 30_000 });
  return page.locator('.error-card').innerText();
}

async function standaloneConsent(): Promise<void> {
  await page.goto(`${server.base}/launch.html?iss=${encodeURIComponent(`${server.base}/fhir`)}`);
  await page.getByRole('heading', { name: /Authorize/ }).waitFor({ timeout: 30_000 });
}

describe('standalone launch', () => {
  it('the patient picker grants a patient, and the app opens on that patient’s only order: 27096 under L39383 is criteria met', async () => {
    await freshPage();
    await standaloneConsent();
    await screenshot(page, 'auth-consent');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel(/Harriet Exemplar Pennywhistle/).check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.outcome').first().waitFor({ timeout: 30_000 });
    await expect(page.locator('.outcome-label').first().innerText()).resolves.toBe('Criteria met');
    await expect(page.locator('.policy').first().innerText()).resolves.toMatch(/L39383/);
    const statuses = await page.locator('.criterion .status-chip').allInnerTexts();
    expect(statuses.length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((s) => s.trim() === 'Met')).toBe(true);
    await screenshot(page, 'app-review-criteria-met');
  });

  it('a server without permission-v2 is asked for v1 .read scopes, and the launch still completes', async () => {
    await freshPage();
    await page.route(/\/fhir\/\.well-known\/smart-configuration$/, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { capabilities: string[] };
      body.capabilities = body.capabilities.filter((c) => c !== 'permission-v2');
      await route.fulfill({ response: res, json: body });
    });
    const authorize = page.waitForRequest((r) => r.url().includes('/auth/authorize'));
    await ehrLaunch('seed002-patient', JSON.stringify({ order: 'ServiceRequest/seed002-order-1' }));
    const scope = new URL((await authorize).url()).searchParams.get('scope') ?? '';
    expect(scope).toContain('patient/Condition.read');
    expect(scope).not.toContain('.rs');
    await page.locator('.outcome, .error-screen').first().waitFor({ timeout: 30_000 });
    await expect(page.locator('.outcome-label').first().innerText()).resolves.toBe('Not medically necessary');
  });
});

describe('error screens', () => {
  it('opened without a launch: says so and points to the EHR, a SMART launcher and the sandbox', async () => {
    await freshPage();
    await page.goto(`${server.base}/app/`);
    const text = await errorScreen('no-launch');
    expect(text).toMatch(/Launch this app from an EHR/);
    expect(text).toMatch(/launch\.html/);
    await screenshot(page, 'error-no-launch');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('launch.html without an iss: the same screen, naming the missing parameter', async () => {
    await freshPage();
    await page.goto(`${server.base}/launch.html`);
    const text = await errorScreen('no-launch');
    expect(text).toMatch(/iss/);
  });

  it('a redirect whose session is gone (fhirclient “No state found”): session screen, relaunch advice', async () => {
    await freshPage();
    await page.goto(`${server.base}/app/?code=abc&state=not-a-session`);
    const text = await errorScreen('session');
    expect(text).toMatch(/session has ended/i);
    expect(text).toMatch(/Launch the app again/);
    await screenshot(page, 'error-session');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the user denies access at sign-in: access-denied screen', async () => {
    await freshPage();
    await standaloneConsent();
    await page.getByRole('button', { name: 'Deny' }).click();
    const text = await errorScreen('auth-denied');
    expect(text).toMatch(/Access was not granted/);
  });

  it('a required scope is not granted: the screen lists what is missing', async () => {
    await freshPage();
    await standaloneConsent();
    await page.getByLabel('patient/Condition.rs').uncheck();
    await page.getByRole('button', { name: 'Approve' }).click();
    const text = await errorScreen('scopes');
    expect(text).toMatch(/patient\/Condition\.rs/);
    await screenshot(page, 'error-scopes');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the FHIR server fails a search: FHIR-error screen with the status and a retry', async () => {
    await freshPage();
    await page.route(/\/fhir\/Condition\?/, (route) => route.fulfill({ status: 500, contentType: 'application/fhir+json', body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}' }));
    await ehrLaunch('seed001-patient');
    const text = await errorScreen('fhir');
    expect(text).toMatch(/500/);
    expect(text).toMatch(/Try again/);
    await screenshot(page, 'error-fhir');
  });

  it('the token is refused mid-session (401): session screen', async () => {
    await freshPage();
    await page.route(/\/fhir\/Procedure\?/, (route) => route.fulfill({ status: 401, contentType: 'application/fhir+json', body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}' }));
    await ehrLaunch('seed001-patient');
    await errorScreen('session');
  });
});
