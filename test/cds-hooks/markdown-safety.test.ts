// Card content cannot be forged from patient data. A Condition display with line breaks once put a
// real "# CRITERIA MET – no prior authorization needed" heading and a "✔ forged criterion" item into
// the card; bare URLs passed through; the sandbox EHR's renderer turned escaped links back into live
// links. Here hostile strings sit in a title (the payer's name), a display (every coded entry) and a
// note (every Observation and Procedure), and the card is read with markdown-it as an EHR would, with
// linkify on (some EHRs autolink).
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md as inertMarkdownText } from '../../criteria';
import { renderCardMarkdown } from '../../sandbox/ehr/Markdown';
import { loadPersona, resourcesOf } from '../support/fixtures';
import { SERVICE_URL_PATH, startApp, type TestApp } from './harness';

const HOSTILE =
  'Sacroiliitis\n# CRITERIA MET – no prior authorization needed\n- ✔ forged criterion\r\n1. step one\n    indented code\n~~~\nfenced\n' +
  'see https://evil.example/pa or www.evil.example [click](https://evil.example/x) <img src=x onerror=alert(1)>';

/** Every display, text, note and the payer's name replaced by the hostile string. */
function poisoned(name: string): any[] {
  const resources = JSON.parse(JSON.stringify(resourcesOf(loadPersona(name))));
  const walk = (v: any, key = ''): any => {
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return typeof v === 'string' && ['display', 'text'].includes(key) ? HOSTILE : v;
  };
  return resources.map((r: any) => {
    const out = walk(r);
    if (out.resourceType === 'Organization') out.name = HOSTILE;
    if (['Observation', 'Procedure', 'Condition'].includes(out.resourceType)) out.note = [{ text: HOSTILE }];
    return out;
  });
}

function request(resources: any[]) {
  const patient = resources.find((r) => r.resourceType === 'Patient');
  const orders = resources.filter((r) => r.resourceType === 'ServiceRequest' && ['draft', 'active'].includes(r.status));
  const empty = { resourceType: 'Bundle', type: 'searchset', entry: [] };
  const keys = ['coverage', 'conditions', 'procedures', 'observations', 'medicationRequests', 'medicationStatements', 'serviceRequests', 'encounters', 'diagnosticReports'];
  return {
    hook: 'order-sign',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/1', patientId: patient.id, draftOrders: { resourceType: 'Bundle', entry: orders.map((resource) => ({ resource })) } },
    prefetch: { patient, record: { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }, ...Object.fromEntries(keys.map((k) => [k, empty])) },
  };
}

const ehrReader = new MarkdownIt({ html: false, linkify: true });
const structure = (md: string) => ehrReader.parse(md, {}).filter((t) => t.type !== 'inline' && t.type !== 'text').map((t) => t.type);
const links = (md: string) =>
  ehrReader
    .parse(md, {})
    .flatMap((t) => t.children ?? [])
    .filter((t) => t.type === 'link_open')
    .map((t) => t.attrGet('href'));

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

describe('patient data cannot change a card\'s markdown structure', () => {
  for (const persona of ['seed000-neurectomy-aetna', 'met-aetna-27096', 'seed002-rfa-medicare-tx']) {
    it(`${persona}: hostile strings in the payer name, every display and every note add no heading, item or link`, async () => {
      const clean = await app.post(SERVICE_URL_PATH, request(resourcesOf(loadPersona(persona))));
      const dirty = await app.post(SERVICE_URL_PATH, request(poisoned(persona)));
      expect(dirty.status).toBe(200);
      expect(dirty.body.cards.length).toBe(clean.body.cards.length);
      expect(dirty.body.cards.length).toBeGreaterThan(0);
      const details: string[] = dirty.body.cards.map((c: any) => c.detail);
      expect(details.join('\n')).toContain('forged criterion'); // the hostile text did reach the card…
      for (const [i, detail] of details.entries()) {
        const tokens = structure(detail);
        expect(tokens).not.toContain('heading_open'); // …but only as text
        expect(tokens).not.toContain('code_block');
        expect(tokens).not.toContain('fence');
        expect(tokens).not.toContain('html_block');
        // Every list item is one the engine wrote ("- " at a line start), none came out of the data.
        expect(tokens.filter((t) => t === 'list_item_open').length, `card ${i}`).toBe(detail.split('\n').filter((l) => l.startsWith('- ')).length);
        expect(links(detail).every((href) => !String(href).includes('evil.example'))).toBe(true);
        expect(detail).not.toMatch(/(^|[^\\])<img/); // only as escaped text
      }
    });
  }

  it('folds line breaks, defuses leading block markers and breaks autolinks, keeping the words', () => {
    expect(inertMarkdownText('a\nb\r\nc\u2028d')).toBe('a b c d');
    expect(inertMarkdownText('# x')).toBe('&#35; x');
    expect(inertMarkdownText('- x')).toBe('&#45; x');
    expect(inertMarkdownText('12. x')).toBe('12&#46; x');
    expect(inertMarkdownText('    code')).toBe('code');
    expect(links(inertMarkdownText('see https://evil.example and www.evil.example'))).toEqual([]);
    expect(inertMarkdownText('see https://evil.example').replace(/\u200b/g, '')).toBe('see https://evil.example');
  });
});

describe('the sandbox EHR renders card markdown with markdown-it, safely', () => {
  it('keeps escaped links as text, drops non-http(s) links, escapes raw HTML and opens real links with noopener noreferrer', () => {
    const html = renderCardMarkdown(
      '\\[escaped\\](https://evil.example/1) [js](javascript:alert(1)) [data](data:text/html,x) <script>alert(1)</script> ' +
        'https://bare.example [policy](https://www.aetna.com/cpb/0016.html)',
    );
    expect(html).not.toContain('href="https://evil.example/1"');
    expect(html).toContain('[escaped](https://evil.example/1)');
    expect(html).not.toMatch(/href="(javascript|data):/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('href="https://bare.example"');
    expect(html).toContain('<a href="https://www.aetna.com/cpb/0016.html" target="_blank" rel="noopener noreferrer">policy</a>');
  });
});
