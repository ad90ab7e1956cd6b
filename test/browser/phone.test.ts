// The app on a phone (390 px wide, touch, device pixel ratio 2), in headless Chromium against the real
// server: nothing is wider than the screen, the timeline is drawn at the phone's width with legible
// text and markers that do not touch, and the timeline table shows every cell on screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildClient, ehrLaunch, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';

const WIDTH = 390;
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer({ distDir: await buildClient() });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: WIDTH, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Elements whose box reaches past the right edge of the screen (or starts left of it). */
const offScreen = (selector: string) =>
  page.locator(selector).evaluateAll(
    (els, width) =>
      els
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && (r.right > width + 0.5 || r.left < -0.5))
        .map(({ el, r }) => `${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]: ${(el.textContent ?? '').slice(0, 40)}`),
    WIDTH,
  );

describe('the review screen on a phone', () => {
  it('fits the screen: no horizontal scrolling, no element past the edge', async () => {
    // Lena Longrecord: two years of therapy sessions and pain scores, the densest timeline.
    await ehrLaunch(page, server.base, 'sandbox-large');
    await page.locator('.outcome').first().waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTH);
    expect(await offScreen('main *')).toEqual([]);
    await screenshot(page, 'phone-review');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('draws the timeline at the phone’s width, with text at least 11 px and lane names above their lanes', async () => {
    const svg = page.locator('.timeline-svg');
    const box = (await svg.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(WIDTH);
    expect(box.width).toBeGreaterThan(300);
    const sizes = await svg.locator('text').evaluateAll((ts) => ts.map((t) => parseFloat(getComputedStyle(t).fontSize)));
    expect(sizes.length).toBeGreaterThan(5);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    // Compact layout: each lane's name starts at the plot's left edge, above the lane's markers.
    const lanes = await svg.locator('.lane').evaluateAll((gs) =>
      gs.map((g) => {
        const label = (g.querySelector('text.lane-label') as SVGGraphicsElement).getBBox();
        const marks = [...g.querySelectorAll('.event')].map((e) => (e as SVGGraphicsElement).getBBox());
        return { x: Math.round(label.x), bottom: label.y + label.height, marksTop: Math.min(...marks.map((m) => m.y)) };
      }),
    );
    expect(lanes.length).toBeGreaterThan(2);
    for (const l of lanes) {
      expect(l.x).toBe(30);
      expect(l.bottom).toBeLessThanOrEqual(l.marksTop);
    }
    // The pain row's scale is there.
    await expect(svg.locator('.scale-label').allTextContents()).resolves.toEqual(['0', '5', '10']);
    await page.locator('.timeline').screenshot({ path: 'test-results/screenshots/phone-timeline.png' });
  });

  it('no two markers in a lane overlap on screen', async () => {
    const overlaps = await page.locator('.timeline-svg .lane').evaluateAll((lanes) =>
      lanes.flatMap((lane) => {
        const boxes = [...lane.querySelectorAll('.event:not(.event-span)')].map((e) => e.getBoundingClientRect());
        const hits: string[] = [];
        boxes.forEach((a, i) =>
          boxes.slice(i + 1).forEach((b) => {
            if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) hits.push(`${lane.getAttribute('class')}: ${Math.round(a.left)} / ${Math.round(b.left)}`);
          }),
        );
        return hits;
      }),
    );
    expect(overlaps).toEqual([]);
  });

  it('the timeline table shows every cell on screen, as stacked rows', async () => {
    await page.getByText(/Timeline as a table/).click();
    const table = page.locator('.timeline-table table');
    await table.waitFor();
    expect(await offScreen('.timeline-table td')).toEqual([]);
    const cells = await page.locator('.timeline-table tbody tr').first().locator('td').count();
    expect(cells).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'phone-timeline-table');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the letter preview fits the screen too', async () => {
    await page.getByRole('button', { name: 'Preview letter' }).click();
    await page.locator('.letter').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTH);
    expect(await offScreen('.letter *')).toEqual([]);
  });
});
