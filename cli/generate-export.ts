// npm run generate-export -- --patients <n> --out <dir> [--mode realistic|clones] [--seed <n>]
// Synthetic FHIR Bulk Data exports of any size for the batch benchmark and tests, written one
// resource type per .ndjson file as $export does. Streams: memory does not grow with n.
//   realistic (default): varied histories from cli/realistic-patient.ts, a payer Organization per
//     patient, shared practitioners and locations, noise resources;
//   clones: the named personas in test/fixtures/patients, cloned with fresh ids.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadPersona, personaNames, resourcesOf } from '../test/support/fixtures';
import { realisticPatient, rng, sharedPools } from './realistic-patient';

type Resource = Record<string, unknown> & { resourceType: string; id?: string };
const SHARED = new Set(['Organization', 'Location', 'Practitioner']);

export const EXPORT_MODES = ['realistic', 'clones'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

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

export interface ExportOptions {
  patients: number;
  out: string;
  mode?: ExportMode;
  seed?: number;
}

export interface ExportResult {
  files: string[];
  resources: number;
  bytes: number;
}

export async function generateExport(opts: ExportOptions): Promise<ExportResult> {
  mkdirSync(opts.out, { recursive: true });
  const writers = new Map<string, { stream: WriteStream; parts: string[]; size: number }>();
  let count = 0;
  let bytes = 0;
  const flush = async (w: { stream: WriteStream; parts: string[]; size: number }) => {
    const ok = w.stream.write(w.parts.join(''));
    w.parts = [];
    w.size = 0;
    if (!ok) await once(w.stream, 'drain');
  };
  const emit = async (r: Resource) => {
    count++;
    let w = writers.get(r.resourceType);
    if (!w) writers.set(r.resourceType, (w = { stream: createWriteStream(join(opts.out, `${r.resourceType}.ndjson`)), parts: [], size: 0 }));
    const line = `${JSON.stringify(r)}\n`;
    bytes += Buffer.byteLength(line);
    w.parts.push(line);
    w.size += line.length;
    if (w.size >= 256 * 1024) await flush(w);
  };
  if ((opts.mode ?? 'realistic') === 'realistic') {
    const rand = rng(opts.seed ?? 1);
    const pools = sharedPools(opts.patients, rand);
    for (const r of [...pools.clinics, ...pools.locations, ...pools.practitioners]) await emit(r);
    for (let i = 0; i < opts.patients; i++) for (const r of realisticPatient(i, rand, pools)) await emit(r);
  } else {
    const personas = personaNames().map((n) => resourcesOf(loadPersona(n)) as Resource[]);
    const sharedSeen = new Set<string>();
    for (const p of personas) for (const r of p) if (SHARED.has(r.resourceType) && !sharedSeen.has(`${r.resourceType}/${r.id}`)) {
      sharedSeen.add(`${r.resourceType}/${r.id}`);
      await emit(r);
    }
    for (let i = 0; i < opts.patients; i++) {
      for (const r of cloneRecord(personas[i % personas.length]!, `-g${i}`)) await emit(r);
    }
  }
  for (const w of writers.values()) if (w.size) await flush(w);
  await Promise.all([...writers.values()].map((w) => new Promise<void>((res) => w.stream.end(res))));
  return { files: [...writers.keys()].map((t) => `${t}.ndjson`).sort(), resources: count, bytes };
}

const isMain = process.argv[1]?.endsWith('generate-export.ts');
if (isMain) {
  const argv = process.argv.slice(2);
  const get = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const patients = Number(get('--patients'));
  const out = get('--out');
  const mode = (get('--mode') ?? 'realistic') as ExportMode;
  const seed = Number(get('--seed') ?? 1);
  if (!Number.isInteger(patients) || patients < 1 || !out || out.startsWith('--') || !EXPORT_MODES.includes(mode) || !Number.isInteger(seed)) {
    process.stderr.write('usage: npm run generate-export -- --patients <n> --out <dir> [--mode realistic|clones] [--seed <n>]\n');
    process.exit(2);
  }
  const r = await generateExport({ patients, out, mode, seed });
  process.stderr.write(`wrote ${r.resources} resources (${(r.bytes / 2 ** 20).toFixed(1)} MB) for ${patients} ${mode} patients to ${out} (${r.files.join(', ')})\n`);
}
