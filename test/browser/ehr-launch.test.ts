// The whole path a newcomer takes, in headless Chromium against the real server: the sandbox EHR
// page → sign the seed 000 order (a real order-sign call) → the card → its SMART link (EHR launch,
// PKCE, token with appContext) → the app's review screen; keyboard use and axe checks on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildClient, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signSeed000(): Promise<void> {
  await page.goto(`${server.base}/ehr`);
  await page.getByRole('button', { name: /Marguerite Fictitia Quillfeather/ }).click();
  const row = page.getByRole('row', { name: /64772/ });
  await row.getByRole('button', { name: 'Sign' }).click();
  await page.locator('.cds-card').first().waitFor({ timeout: 30_000 });
}

describe('sandbox EHR → order-sign → card → SMART app', () => {
  it('when the seed 000 neurectomy order is signed, the EHR shows the service’s card with a SMART link', async () => {
    await signSeed000();
    const card = page.locator('.cds-card').first();
    await expect(card.locator('h3').innerText()).resolves.toMatch(/64772 not medically necessary/i);
    await expect(card.locator('.indicator').innerText()).resolves.toMatch(/warning|critical/i);
    await expect(card.getByRole('button', { name: 'Review the criteria and evidence' }).count()).resolves.toBe(1);
    // The card's Markdown detail is rendered as elements, not as raw text.
    await expect(card.locator('.markdown strong, .markdown h3, .markdown h4, .markdown li').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'ehr-cards');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('following the card’s link launches the app on that order, which shows the outcome first and the criteria', async () => {
    await page.locator('.cds-card').first().getByRole('button', { name: 'Review the criteria and evidence' }).click();
    await page.waitForURL(/\/app\//, { timeout: 30_000 });
    await page.locator('.outcome').first().waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).searchParams.has('code')).toBe(false); // fhirclient cleaned the redirect
    await expect(page.locator('.toolbar-title').innerText()).resolves.toMatch(/Determination for CPT 64772 · Transection or avulsion/);
    await expect(page.locator('.outcome-label').first().innerText()).resolves.toBe('Not medically necessary');
    await expect(page.locator('.patient-name').innerText()).resolves.toContain('Marguerite');
    await expect(page.locator('.policy-title').first().innerText()).resolves.toMatch(/Aetna Clinical Policy Bulletin 0016/);
    await expect(page.locator('.policy-why').first().innerText()).resolves.toMatch(/Aetna · commercial plan · member id AET-SYN-000001/);
    expect(await page.locator('.criterion').count()).toBeGreaterThan(0);
    expect(await page.locator('.status-chip').count()).toBeGreaterThan(0);
    // Seed 000's reasons: lumbar-only diagnosis, RFA skipped, pain generators not differentiated.
    const reasons = await page.locator('.outcome-reasons').first().innerText();
    expect(reasons).toMatch(/lumbar/i);
    expect(reasons).toMatch(/radiofrequency ablation/i);
    await expect(page.locator('.timeline-svg').count()).resolves.toBe(1);
    // Evidence shows the sentence a value was read from, not the code's display cut short.
    await expect(page.locator('.ev-quote').allInnerTexts()).resolves.toContainEqual(expect.stringMatching(/80-90% relief of index pain for the duration of the anaesthetic/));
    // Plain labels: no rule keys, no double negatives, and "met" never beside "no entry speaks to this".
    const shown = await page.locator('main').innerText();
    expect(shown).not.toMatch(/\b\d{5}:[a-z]/);
    expect(shown).not.toMatch(/does not exclude/i);
    const metWithoutEntry = await page.locator('.criterion.status-good .no-evidence').allInnerTexts();
    expect(metWithoutEntry.filter((t) => /No entry in the record speaks to this/.test(t))).toEqual([]);
    // RFA, the usual next step, is one the same engine calls not medically necessary under Aetna: advice, not an order.
    await expect(page.locator('.next-steps').innerText()).resolves.toMatch(/\(64625\) would itself be not medically necessary under Aetna CPB 0016, so it is advice, not an order to place/);
    await expect(page.locator('.next-steps').innerText()).resolves.not.toMatch(/Order instead: 64625/);
    await screenshot(page, 'app-review-seed000');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the evidence can be opened with the keyboard: Tab to an entry, Enter opens the resource, Escape closes it', async () => {
    const target = page.locator('.evidence-button').first();
    let focused = false;
    for (let i = 0; i < 80 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await target.evaluate((el) => el === document.activeElement);
    }
    expect(focused).toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.locator('.resource-json').waitFor();
    await expect(dialog.locator('.resource-json').innerText()).resolves.toMatch(/"resourceType": "/);
    await screenshot(page, 'app-evidence-dialog');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // Focus returns to the entry that opened it.
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('the main controls are reachable by Tab: back to orders, letter preview and print', async () => {
    // Start sequential navigation from the top: the skip link is the first stop.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('.patient-banner').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the determination');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(seen).toEqual(expect.arrayContaining(['← All orders', 'Preview letter', 'Print letter']));
  });

  it('the letter prints alone: print media shows the letter and hides the screen', async () => {
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.letter').isVisible()).resolves.toBe(true);
    await expect(page.locator('main.review').isVisible()).resolves.toBe(false);
    await expect(page.locator('.letter').innerText()).resolves.toMatch(/Medical-necessity determination[\s\S]*Decision: Not medically necessary under Aetna CPB 0016/);
    await screenshot(page, 'app-letter-print');
    await page.emulateMedia({ media: 'screen' });
  });

  it('from the review, “All orders” lists the patient’s other in-scope order and opens it', async () => {
    await page.getByRole('button', { name: '← All orders' }).click();
    const cards = page.locator('.order-card');
    expect(await cards.count()).toBe(2);
    await screenshot(page, 'app-order-list');
    expect(await seriousViolations(page)).toEqual([]);
    // Each order by what it is, never by its rule key ("64999:neurectomy").
    await expect(cards.allInnerTexts()).resolves.not.toContainEqual(expect.stringMatching(/\d{5}:[a-z]/));
    await page.getByRole('button', { name: /64999 · unlisted nervous-system procedure read as an endoscopic neurectomy/ }).click();
    await page.locator('.outcome').first().waitFor();
    await expect(page.locator('.toolbar-title').innerText()).resolves.toMatch(/Determination for CPT 64999 · unlisted nervous-system procedure read as an endoscopic neurectomy/);
  });
});
