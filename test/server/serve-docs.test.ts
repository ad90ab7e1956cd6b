// The links a card gives resolve: the evidence pathway's rationale page, and every link under the
// product's own address, open as pages in production mode. Only the repository's documents are
// served; no request reads any other path.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { compose } from '../../server/compose';
import { parseConfig } from '../../server/config';
import { documentPages } from '../../server/serve-docs';
import { PREFETCH_TEMPLATES } from '../../cds-hooks/prefetch';
import { SERVICE_URL_PATH } from '../cds-hooks/harness';
import { loadPersona, resourcesOf } from '../support/fixtures';

let base: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ SANDBOX: 'off', CDS_AUTH: 'off', PUBLIC_BASE_URL: base, FEEDBACK_DB_PATH: path.join(mkdtempSync(path.join(os.tmpdir(), 'sij-docs-')), 'f.db') });
  const composed = await compose(config, createLogger({ level: 'silent' }));
  server.on('request', composed.app);
  close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await composed.close();
  };
});
afterAll(() => close());

function signRequest(persona: string) {
  const resources = resourcesOf(loadPersona(persona));
  const patient = resources.find((r) => r.resourceType === 'Patient')!;
  const orders = resources.filter((r) => r.resourceType === 'ServiceRequest' && (r as { status?: string }).status === 'draft');
  return {
    hook: 'order-sign',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/1', patientId: patient.id, draftOrders: { resourceType: 'Bundle', entry: orders.map((resource) => ({ resource })) } },
    // The whole record under one key, and every template key answered (empty), so nothing is fetched.
    prefetch: {
      ...Object.fromEntries(Object.keys(PREFETCH_TEMPLATES).map((k) => [k, { resourceType: 'Bundle', type: 'searchset', entry: [] }])),
      patient,
      record: { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) },
    },
  };
}

describe('the product\'s documents, served', () => {
  it('every card link and source under the product\'s address opens, for a pathway card and a payer card', async () => {
    for (const persona of ['seed002-rfa-medicare-tx', 'seed000-neurectomy-aetna']) {
      const res = await fetch(`${base}${SERVICE_URL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signRequest(persona)) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { cards: { source: { url?: string }; links?: { url: string; type: string }[] }[] };
      expect(body.cards.length).toBeGreaterThan(0);
      const ours = body.cards.flatMap((c) => [c.source.url, ...(c.links ?? []).filter((l) => l.type === 'absolute').map((l) => l.url)]).filter((u): u is string => !!u && u.startsWith(base));
      if (persona.startsWith('seed002')) expect(ours).toContain(`${base}/docs/clinical/evidence-pathway.md`);
      for (const url of new Set(ours)) {
        const page = await fetch(url);
        expect(page.status, url).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toMatch(/<h1[ >]/);
      }
    }
  }, 60_000);

  it('renders a document as a page with its own title, and no raw HTML from it', async () => {
    const page = await fetch(`${base}/docs/clinical/evidence-pathway.md`);
    const html = await page.text();
    expect(html).toMatch(/<title>[^<]*[Ee]vidence pathway[^<]*<\/title>/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('serves only the documents found at start: other paths, traversal and unknown names are 404', async () => {
    for (const p of ['/docs/../package.json', '/docs/%2e%2e/package.json', '/docs/clinical/..%2f..%2fpackage.json', '/docs/clinical/nope.md', '/docs/', '/docs/clinical/']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toMatch(/"name":\s*"/);
    }
    const pages = [...documentPages().keys()];
    expect(pages).toContain('clinical/evidence-pathway.md');
    expect(pages.every((k) => /^([a-z0-9-]+\/)?[A-Za-z0-9-]+\.md$/.test(k))).toBe(true);
  });

  it('every document page has the favicon, heading ids, and links that open: into docs/ and the README, never a 404', async () => {
    let links = 0;
    for (const key of documentPages().keys()) {
      const html = await (await fetch(`${base}/docs/${key}`)).text();
      expect(html, key).toMatch(/<link rel="icon" href="\/favicon.svg"/);
      expect(html, key).toMatch(/<h1 id="[a-z0-9-]+">/);
      for (const [, href] of html.matchAll(/<a href="(\/[^"#]*)/g)) {
        links++;
        expect((await fetch(`${base}${href}`)).status, `${key} → ${href}`).toBe(200);
      }
    }
    expect(links).toBeGreaterThan(5);
  }, 60_000);
});
