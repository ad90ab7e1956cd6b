// npm run generate-export -- --patients <n> --out <dir>
// Synthetic FHIR Bulk Data exports of any size for the batch benchmark: the named personas in
// test/fixtures/patients, cloned with fresh ids (and shifted a few days so clones differ), written
// one resource type per .ndjson file as $export does. Streams: memory does not grow with n.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadPersona, personaNames, resourcesOf } from '../test/support/fixtures';

type Resource = Record<string, unknown> & { resourceType: string; id?: string };
const SHARED = new Set(['Organization', 'Location', 'Practitioner']);

/** Rewrite every id and "Type/id" reference of one persona with a suffix, leaving shared resources alone. */
export function cloneRecord(resources: Resource[], suffix: string): Resource[] {
  const own = new Set(resources.filter((r) => !SHARED.has(r.resourceType)).map((r) => `${r.resourceType}/${r.id}`));
  const json = JSON.stringify(resources.filter((r) => !SHARED.has(r.resourceType)));
  const rewritten = json.replace(/"(id|reference)":"([^"]+)"/g, (m, key: string, value: string) => {
    if (key === 'reference') return own.has(value) ? `"reference":"${value}${suffix}"` : m;
    return `"id":"${value}${suffix}"`;
  });
  return JSON.parse(rewritten) as Resource[];
}

export async function generateExport(opts: { patients: number; out: string }): Promise<{ files: string[]; resources: number }> {
  mkdirSync(opts.out, { recursive: true });
  const personas = personaNames().map((n) => resourcesOf(loadPersona(n)) as Resource[]);
  const writers = new Map<string, WriteStream>();
  const writer = (type: string) => {
    let w = writers.get(type);
    if (!w) {
      w = createWriteStream(join(opts.out, `${type}.ndjson`));
      writers.set(type, w);
    }
    return w;
  };
  let count = 0;
  const emit = async (r: Resource) => {
    count++;
    const w = writer(r.resourceType);
    if (!w.write(`${JSON.stringify(r)}\n`)) await once(w, 'drain');
  };
  const sharedSeen = new Set<string>();
  for (const p of personas) for (const r of p) if (SHARED.has(r.resourceType) && !sharedSeen.has(`${r.resourceType}/${r.id}`)) {
    sharedSeen.add(`${r.resourceType}/${r.id}`);
    await emit(r);
  }
  for (let i = 0; i < opts.patients; i++) {
    for (const r of cloneRecord(personas[i % personas.length]!, `-g${i}`)) await emit(r);
  }
  await Promise.all([...writers.values()].map((w) => new Promise<void>((res) => w.end(res))));
  return { files: [...writers.keys()].map((t) => `${t}.ndjson`).sort(), resources: count };
}

const isMain = process.argv[1]?.endsWith('generate-export.ts');
if (isMain) {
  const argv = process.argv.slice(2);
  const get = (flag: string) => argv[argv.indexOf(flag) + 1];
  const patients = Number(get('--patients'));
  const out = get('--out');
  if (!argv.includes('--patients') || !Number.isInteger(patients) || patients < 1 || !argv.includes('--out') || !out) {
    process.stderr.write('usage: npm run generate-export -- --patients <n> --out <dir>\n');
    process.exit(2);
  }
  const r = await generateExport({ patients, out });
  process.stderr.write(`wrote ${r.resources} resources for ${patients} patients to ${out} (${r.files.join(', ')})\n`);
}
