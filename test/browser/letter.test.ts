// The determination letter, printed by headless Chromium (print media, and a real print to PDF) from the
// app on the real server, and read section by section: letterhead from a LETTER_CONFIG file, addressed
// to the ordering practitioner, patient, date of birth and member id, the order and its date of service,
// the decision in one sentence, each criterion with the record entries behind it (never policy text),
// what would change the decision, the appeal and peer-to-peer paragraphs, the reviewer from the
// signed-in user; no section twice, no resource ids, rule keys or "×6", and the banner's age.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT, buildClient, ehrLaunch, launchBrowser, screenshot, seriousViolations, startServer, type TestServer } from './harness';
import { DEV_NOTE, withoutIds } from '../support/dev-notes';

let server: TestServer;
let browser: Browser;
let page: Page;

const LETTERHEAD = {
  organisation: 'Northfield Review Partners',
  department: 'Spine Utilization Review',
  address: ['12 Imaginary Plaza', 'Northfield, ST 00001'],
  contact: { phone: '(555) 010-0142', email: 'review@northfield.example' },
  appeal: 'To appeal, write to {payer} within 180 days of this letter.',
  peerToPeer: 'For a peer-to-peer discussion with {reviewer}, call {phone}.',
};

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sij-letter-'));
  writeFileSync(path.join(dir, 'letter.json'), JSON.stringify(LETTERHEAD));
  server = await startServer({ distDir: await buildClient(), env: { LETTER_CONFIG: path.join(dir, 'letter.json') } });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const section = (name: string) => page.locator(`.letter [data-section="${name}"]`);
const text = async (name: string) => (await section(name).allInnerTexts()).join('\n');

async function openLetter(patientId: string, order: string): Promise<void> {
  await page.emulateMedia({ media: 'screen' });
  await ehrLaunch(page, server.base, patientId, JSON.stringify({ order }));
  await page.locator('.outcome').first().waitFor({ timeout: 30_000 });
  await page.emulateMedia({ media: 'print' });
}

describe('the determination letter, printed', () => {
  it('prints alone, to a PDF, with the letterhead from LETTER_CONFIG', async () => {
    await openLetter('seed000-patient', 'ServiceRequest/seed000-order-1');
    await expect(page.locator('.letter').isVisible()).resolves.toBe(true);
    await expect(page.locator('main.review').isVisible()).resolves.toBe(false);
    await expect(page.locator('.patient-banner').isVisible()).resolves.toBe(false);
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    await screenshot(page, 'letter-seed000-print');
    const head = await text('letterhead');
    expect(head).toMatch(/Northfield Review Partners/);
    expect(head).toMatch(/Spine Utilization Review/);
    expect(head).toMatch(/12 Imaginary Plaza · Northfield, ST 00001/);
    expect(head).toMatch(/Phone \(555\) 010-0142 · review@northfield\.example/);
  });

  it('is addressed to the ordering practitioner and names the patient, date of birth, plan and member id', async () => {
    await expect(text('addressee')).resolves.toMatch(/^To: Dr\. Oren Testwell$/);
    await expect(page.locator('.letter').innerText()).resolves.toMatch(/Dear Dr\. Testwell,/);
    const patient = await text('patient');
    expect(patient).toMatch(/Patient\s+Marguerite Fictitia Quillfeather/);
    expect(patient).toMatch(/Date of birth\s+22 Apr 1971 \(age \d+\)/);
    expect(patient).toMatch(/Health plan\s+Aetna \(commercial plan\)/);
    expect(patient).toMatch(/Member id\s+AET-SYN-000001/);
  });

  it('gives the one age the banner gives, computed on the same date', async () => {
    const letterAge = /\(age (\d+)\)/.exec(await text('patient'))?.[1];
    await page.emulateMedia({ media: 'screen' });
    const bannerAge = /\((\d+) y\)/.exec(await page.locator('.patient-banner').innerText())?.[1];
    await page.emulateMedia({ media: 'print' });
    expect(letterAge).toBeDefined();
    expect(letterAge).toBe(bannerAge);
  });

  it('names the order in words, its units and date of service, and the decision in one sentence', async () => {
    const order = await text('order');
    expect(order).toMatch(/CPT 64772 · Transection or avulsion of other spinal nerve, extradural/);
    expect(order).toMatch(/Quantity\s+6 units/);
    expect(order).toMatch(/Date of service\s+17 Nov 2025/);
    const decision = await text('decision');
    expect(decision).toBe("Decision: Not medically necessary under Aetna CPB 0016, the payer's policy.");
    expect(decision.split(/\.\s/).length).toBe(1);
  });

  it('lists each criterion with the record entries behind it, never policy text, in the evidence column', async () => {
    const rows = section('criteria').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const NONE = /^(Decided by the policy’s terms, not by an entry in the record\.|No entry in the record speaks to this\.|Met because the record has no such entry\.|No record entry is cited for this\.)$/;
    const cells = await section('criteria')
      .locator('td.letter-evidence')
      .evaluateAll((tds) => tds.map((td) => ({ text: (td as HTMLElement).innerText.trim(), entries: td.querySelectorAll('li').length, dated: td.querySelectorAll('li > .letter-ev-date').length })));
    for (const cell of cells) {
      // Either entries of the record, each with its date, or the sentence that says why there are none.
      if (cell.entries > 0) expect(cell.dated).toBe(cell.entries);
      else expect(cell.text).toMatch(NONE);
    }
    // The policy's reason ("… as not covered for chronic low back pain") is a reason, not evidence.
    expect(cells.map((c) => c.text).join('\n')).not.toMatch(/not covered for chronic low back pain/);
  });

  it('shows the sentence a value was read from, beside its entry', async () => {
    const quotes = await page.locator('.letter .letter-quote').allInnerTexts();
    expect(quotes.length).toBeGreaterThan(0);
    expect(quotes.join('\n')).toMatch(/80-90% relief of index pain/);
  });

  it('says what would change the decision, then the appeal and peer-to-peer paragraphs with the payer and reviewer filled in', async () => {
    // The usual next step, which the same engine refuses under this policy, is advice with its reason.
    await expect(text('change')).resolves.toMatch(/What would change this decision[\s\S]*Radiofrequency ablation[\s\S]*\(64625\) would itself be not medically necessary under Aetna CPB 0016, so it is advice, not an order to place\./);
    const appeal = await text('appeal');
    expect(appeal).toMatch(/To appeal, write to Aetna within 180 days of this letter\./);
    expect(appeal).toMatch(/For a peer-to-peer discussion with Dr\. Olivia Ordering, call \(555\) 010-0142\./);
    expect(appeal).not.toMatch(/\{\w+\}/);
  });

  it('is signed by the signed-in user (fhirUser), with credentials', async () => {
    await expect(text('reviewer')).resolves.toMatch(/Sincerely,[\s\S]*Dr\. Olivia Ordering, MD[\s\S]*Northfield Review Partners/);
  });

  it('has no section twice: the reasons are not repeated as other findings', async () => {
    const reasons = await section('reasons').locator('ol > li').evaluateAll((lis) => lis.map((li) => li.firstChild?.textContent ?? ''));
    expect(reasons.length).toBeGreaterThan(1);
    const letter = await page.locator('.letter').innerText();
    for (const r of reasons) expect(letter.split(r).length - 1, r).toBe(1);
    expect(await section('other-findings').count()).toBe(0);
    const headings = await page.locator('.letter h3, .letter h4').allInnerTexts();
    expect(new Set(headings).size).toBe(headings.length);
  });

  it('shows no resource ids, rule keys, development notes or unexplained multipliers', async () => {
    const letter = (await page.locator('.letter').innerText()).replace(/https?:\/\/\S+/g, '<url>');
    expect(letter).not.toMatch(/\b(ServiceRequest|MedicationRequest|Condition|Procedure|Coverage|Patient|Observation|Practitioner|DiagnosticReport)\/[A-Za-z0-9]/);
    expect(letter).not.toMatch(/\b\d{5}:[a-z]/);
    expect(letter).not.toMatch(/×/);
    expect(letter).not.toMatch(/seed\d{3}/);
    expect(DEV_NOTE.exec(letter)?.[0]).toBeUndefined();
  });

  it('for an unlisted code, names the procedure by its reading', async () => {
    await openLetter('seed000-patient', 'ServiceRequest/seed000-order-2');
    await expect(text('order')).resolves.toMatch(/CPT 64999 · unlisted nervous-system procedure read as an endoscopic neurectomy/);
    expect(await page.locator('.letter').innerText()).not.toMatch(/64999:/);
  });

  it('when the criteria are met, the letter has no appeal and nothing “would change”, and no met criterion is shown without entries or the reason there are none', async () => {
    await openLetter('met27096oh-patient', 'ServiceRequest/met27096oh-order-1');
    await expect(text('decision')).resolves.toBe("Decision: Criteria met under Medicare LCD L39383, the payer's policy.");
    expect(await section('appeal').count()).toBe(0);
    expect(await section('change').count()).toBe(0);
    await expect(text('addressee')).resolves.toMatch(/Dr\. Agatha Mockridge/);
    await expect(text('patient')).resolves.toMatch(/Member id\s+1EG4TE5MK73/);
    await expect(text('patient')).resolves.toMatch(/Medicare Part B \(Medicare\)/);
    const cells = await section('criteria')
      .locator('td.letter-evidence')
      .evaluateAll((tds) => tds.map((td) => ({ text: (td as HTMLElement).innerText.trim(), entries: td.querySelectorAll('li > .letter-ev-date').length })));
    expect(cells.length).toBeGreaterThanOrEqual(6);
    for (const c of cells) if (c.entries === 0) expect(c.text).toBe('Met because the record has no such entry.');
    expect(cells.filter((c) => c.entries > 0).length).toBeGreaterThan(0);
    await screenshot(page, 'letter-criteria-met-print');
    await page.emulateMedia({ media: 'screen' });
    await page.getByRole('button', { name: 'Preview letter' }).click();
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('what the app renders cites no development note', () => {
  /** Every named persona with an in-scope order: one launch each, then every order it lists. */
  const personas = readdirSync(path.join(ROOT, 'test/fixtures/patients'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/patients', f), 'utf8')) as { entry: { resource: { resourceType: string; id: string } }[] })
    .map((b) => b.entry.find((e) => e.resource.resourceType === 'Patient')!.resource.id);

  const scan = async (label: string) => {
    for (const where of ['main', '.letter']) {
      const shown = withoutIds((await page.locator(where).first().textContent()) ?? '');
      const hit = DEV_NOTE.exec(shown);
      expect(hit?.[0], `${label} ${where}: “${shown.slice(Math.max(0, (hit?.index ?? 0) - 60), (hit?.index ?? 0) + 40)}”`).toBeUndefined();
    }
  };

  for (const patient of personas) {
    it(`${patient}: the review screen and the letter of each order`, async () => {
      await page.emulateMedia({ media: 'screen' });
      await ehrLaunch(page, server.base, patient);
      await page.locator('.outcome, .order-list').first().waitFor({ timeout: 30_000 });
      const orders = await page.locator('.order-card').count();
      if (orders === 0) return scan(patient);
      for (let i = 0; i < orders; i++) {
        await page.locator('.order-card').nth(i).click();
        await page.locator('.outcome').first().waitFor();
        await scan(`${patient} order ${i + 1}`);
        await page.getByRole('button', { name: '← All orders' }).click();
      }
    });
  }
});
