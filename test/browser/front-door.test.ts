// The front door, in headless Chromium against the real server: `/` is a page (not a FHIR 404) linking
// the sandbox EHR, the app, discovery, /health and the documents; every link it has answers; the
// README (/readme) section links land on their headings and its links into docs/ open; and every page
// has the favicon (no request of the page fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildClient, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

let server: TestServer;
let browser: Browser;
let page: Page;
const failed: string[] = [];

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the front door', () => {
  it('/ is a page that links the sandbox EHR, the app, discovery, health and the documents', async () => {
    const res = await page.goto(`${server.base}/`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-type']).toMatch(/text\/html/);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('SIJ medical necessity');
    const links = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => ({ text: a.textContent ?? '', href: (a as HTMLAnchorElement).href })));
    const hrefOf = (text: RegExp) => links.find((l) => text.test(l.text))?.href;
    expect(hrefOf(/^The sandbox EHR$/)).toBe(`${server.base}/ehr`);
    expect(hrefOf(/^The review app, standalone$/)).toBe(`${server.base}/launch.html?iss=${encodeURIComponent(`${server.base}/fhir`)}`);
    expect(hrefOf(/^CDS Hooks discovery$/)).toBe(`${server.base}/cds-services`);
    expect(hrefOf(/^Health$/)).toBe(`${server.base}/health`);
    expect(hrefOf(/^README$/)).toBe(`${server.base}/readme`);
    expect(hrefOf(/^Clinical rationale$/)).toBe(`${server.base}/docs/clinical/README.md`);
    await screenshot(page, 'front-door');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('every link on it answers 200, and discovery and health answer what they should', async () => {
    const hrefs = await page.locator('main a[href]').evaluateAll((as) => [...new Set(as.map((a) => (a as HTMLAnchorElement).href.split('#')[0]!))]);
    for (const href of hrefs) expect((await fetch(href, { redirect: 'manual' })).status, href).toBe(200);
    expect(await (await fetch(`${server.base}/cds-services`)).json()).toMatchObject({ services: [{ id: 'sij-medical-necessity', hook: 'order-sign' }] });
    expect(await (await fetch(`${server.base}/health`)).json()).toEqual({ status: 'ok' });
  });

  it('the README’s section links land on their headings', async () => {
    for (const [label, id] of [
      ['Try it', 'try-it'],
      ['The CDS Hooks service', 'the-cds-hooks-service'],
      ['The SMART app and the embedded sandbox', 'the-smart-app-and-the-embedded-sandbox'],
    ]) {
      await page.goto(`${server.base}/`);
      await page.getByRole('link', { name: label, exact: true }).click();
      await page.waitForURL(`**/readme#${id}`);
      await expect(page.locator(`[id="${id}"]`).innerText()).resolves.toBe(label);
    }
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the README’s links into docs/ open where the documents are served; links to source files are text', async () => {
    await page.goto(`${server.base}/readme`);
    const link = page.locator('main a', { hasText: 'docs/clinical/reading-records.md' }).first();
    expect(await link.getAttribute('href')).toBe('/docs/clinical/reading-records.md');
    await link.click();
    await page.waitForURL('**/docs/clinical/reading-records.md');
    await expect(page.locator('h1').innerText()).resolves.toMatch(/record/i);
    await page.goto(`${server.base}/readme`);
    const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    // Every link is a page of this server, a heading of this page, or the web; none is a repository path that would 404.
    expect(hrefs.filter((h) => !/^(\/|#|https?:\/\/)/.test(h))).toEqual([]);
    for (const h of new Set(hrefs.filter((x) => x.startsWith('/')).map((x) => x.split('#')[0]!))) expect((await fetch(`${server.base}${h}`)).status, h).toBe(200);
    await screenshot(page, 'readme');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('/readme is the README only: nearby paths are 404, and nothing of the repository leaks', async () => {
    for (const p of ['/readme/../package.json', '/readme%2f..%2fpackage.json', '/README.md', '/readme.md']) {
      const res = await fetch(`${server.base}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toMatch(/"devDependencies"/);
    }
  });

  it('every page has the favicon: no request of the front door, the EHR page, the app or a document fails', async () => {
    failed.length = 0;
    for (const p of ['/', '/ehr', '/readme', '/app/']) {
      await page.goto(`${server.base}${p}`);
      await page.waitForLoadState('networkidle');
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(icon, p).toBe('/favicon.svg');
    }
    // A page that names no icon gets /favicon.ico, which answers too.
    await page.goto(`${server.base}/docs/clinical/README.md`);
    await page.waitForLoadState('networkidle');
    expect(failed).toEqual([]);
    const fav = await fetch(`${server.base}/favicon.svg`);
    expect(fav.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await fav.text()).toMatch(/^<svg /);
    expect((await fetch(`${server.base}/favicon.ico`)).status).toBe(200);
  });
});
