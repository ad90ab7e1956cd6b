// The batch reader (Bulk Data NDJSON) reads documentation answers as evidence, as order-sign does:
// a completed QuestionnaireResponse in the export settles what the record left unknown.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { determine, finalResponse, questionnaireFor } from '../../criteria';
import { reviewBulkExport } from '../../cli/batch';
import { loadLibraryFromDisk, REPO_ROOT } from '../../server/policy-files';

const lib = loadLibraryFromDisk();
type Json = Record<string, any>;
const resources = (JSON.parse(readFileSync(join(REPO_ROOT, 'sandbox/patients/sandbox-documentation-needed.json'), 'utf8')) as Json).entry.map((e: Json) => e.resource) as Json[];

async function review(extra: Json[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bulk-answers-'));
  const byType = new Map<string, Json[]>();
  for (const r of [...resources, ...extra]) byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
  for (const [type, list] of byType) writeFileSync(join(dir, `${type}.ndjson`), list.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  await reviewBulkExport({ dir, out, workers: 1 });
  return chunks.join('').trim().split('\n').map((l) => (JSON.parse(l) as { outcome: string }).outcome);
}

describe('batch review reads documentation answers', () => {
  it('documentation-needed without them; criteria-met with a completed QuestionnaireResponse in the export', async () => {
    expect(await review([])).toEqual(['documentation-needed']);
    const [d] = determine(lib, resources);
    const built = questionnaireFor(lib, d!, { canonicalBase: 'https://sij.example/dtr' })!;
    const qr = {
      ...finalResponse(
        built,
        { item: [{ linkId: 'pain-nrs-latest.group', item: [{ linkId: 'pain-nrs-latest', answer: [{ valueInteger: 6 }] }] }, { linkId: 'positive-provocative-tests.group', item: [{ linkId: 'positive-provocative-tests', answer: [{ valueInteger: 4 }] }] }] },
        { subject: 'Patient/sbxdocs-patient', order: 'ServiceRequest/sbxdocs-order-1', coverage: 'Coverage/sbxdocs-coverage', author: 'Practitioner/sbxdocs-pract-1', authored: '2025-11-16T09:00:00Z', status: 'completed' },
      ),
      id: 'sbxdocs-qr-1',
    };
    expect(await review([qr])).toEqual(['criteria-met']);
  });
});
