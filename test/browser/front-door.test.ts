// The front door, in headless Chromium against the real server: `/` is a page (not a FHIR 404) linking
// the sandbox EHR, the app, discovery, /health and the documents; every link it has answers; the
// README's section links land on their headings; the clinical rationale the citations name is served;
// and every page has the favicon (no request of the page fails).
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
    expect(hrefOf(/^README$/)).toBe(`${server.base}/docs/`);
    expect(hrefOf(/^Clinical rationale$/)).toBe(`${server.base}/docs/clinical/`);
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
      await page.waitForURL(`**/docs/#${id}`);
      await expect(page.locator(`[id="${id}"]`).innerText()).resolves.toBe(label);
    }
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('serves the clinical rationale the citations name, with links between the pages working', async () => {
    await page.goto(`${server.base}/docs/clinical/`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Clinical rationale');
    await page.getByRole('link', { name: 'evidence-pathway.md' }).click();
    await page.waitForURL('**/docs/clinical/evidence-pathway.md');
    await expect(page.locator('h1').innerText()).resolves.toMatch(/pathway/i);
    // The README links the rationale by its repository path; served, it is the page's path.
    await page.goto(`${server.base}/docs/`);
    const href = await page.locator('a', { hasText: 'docs/clinical/reading-records.md' }).first().getAttribute('href');
    expect(href).toBe('/docs/clinical/reading-records.md');
    expect((await fetch(`${server.base}${href}`)).status).toBe(200);
    await screenshot(page, 'docs-readme');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('serves only the documents: another path under /docs is a 404, and nothing of the repository leaks', async () => {
    for (const p of ['/docs/clinical/nope.md', '/docs/package.json', '/docs/clinical/..%2f..%2fpackage.json', '/docs/README.md/../../package.json']) {
      const res = await fetch(`${server.base}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toMatch(/"devDependencies"/);
    }
  });

  it('every page has the favicon: no request of the front door, the EHR page, the app or a document fails', async () => {
    failed.length = 0;
    for (const p of ['/', '/ehr', '/docs/', '/app/']) {
      await page.goto(`${server.base}${p}`);
      await page.waitForLoadState('networkidle');
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(icon, p).toBe('/favicon.svg');
    }
    expect(failed).toEqual([]);
    const fav = await fetch(`${server.base}/favicon.svg`);
    expect(fav.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await fav.text()).toMatch(/^<svg /);
    expect((await fetch(`${server.base}/favicon.ico`)).status).toBe(200);
  });
});
