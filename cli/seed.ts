// npm run seed -- --fhir <base> [--token <bearer>] [--dir <folder>]... [--dry-run]
// Loads the synthetic patients (test/fixtures/patients/ and sandbox/patients/ by default) into any FHIR
// R4 server, one transaction Bundle per file, every resource PUT by its id so re-running is idempotent
// and references like "Patient/seed000-patient" resolve. For the public sandboxes (e.g. a HAPI server)
// as well as the local one.
// Exit codes: 0 all loaded · 1 bad usage · 2 a fixture file is unusable · 3 the server refused or failed.
import { parseArgs } from 'node:util';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { PATIENT_DIRS, readPatientBundles, type NamedBundle } from '../sandbox/patients';

export const EXIT = { ok: 0, usage: 1, fixture: 2, server: 3 } as const;

const USAGE = `Usage: npm run seed -- --fhir <FHIR base URL> [--token <bearer token>] [--dir <folder>]... [--dry-run]
  Loads every patient Bundle in ${PATIENT_DIRS.map((d) => d.replace(process.cwd() + '/', '')).join(' and ')}
  into the server as transaction Bundles (PUT by id).`;

export class FixtureError extends Error {}

/** A collection Bundle → a transaction of PUTs, with urn:uuid references rewritten to Type/id. */
export function toTransaction(b: NamedBundle): Bundle {
  const entries = (b.bundle.entry ?? []).filter((e): e is BundleEntry & { resource: Resource } => !!e.resource);
  const urnToRef = new Map<string, string>();
  entries.forEach((e, i) => {
    const r = e.resource;
    if (!r.id) {
      const fromUrn = /^urn:uuid:([A-Za-z0-9\-.]{1,64})$/.exec(e.fullUrl ?? '')?.[1];
      if (!fromUrn) throw new FixtureError(`${b.file}: entry ${i} (${r.resourceType}) has no id and no urn:uuid fullUrl to take one from`);
      r.id = fromUrn;
    }
    if (e.fullUrl?.startsWith('urn:')) urnToRef.set(e.fullUrl, `${r.resourceType}/${r.id}`);
  });
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === 'reference' && typeof v === 'string' && urnToRef.has(v) ? urnToRef.get(v) : rewrite(v)]),
      );
    }
    return value;
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((e) => {
      const resource = rewrite(e.resource) as Resource;
      return { fullUrl: `${resource.resourceType}/${resource.id}`, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
    }),
  };
}

function describeFailure(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as OperationOutcome | Bundle;
    if (parsed.resourceType === 'OperationOutcome') {
      return parsed.issue?.map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; ') ?? `HTTP ${status}`;
    }
  } catch {
    /* not JSON */
  }
  return `HTTP ${status}: ${body.slice(0, 300)}`;
}

export interface SeedOptions {
  fhir: string;
  token?: string;
  dirs?: string[];
  dryRun?: boolean;
  log?: (line: string) => void;
  fetch?: typeof fetch;
}

/** Returns the exit code; prints one line per file. */
export async function seed(opts: SeedOptions): Promise<number> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const doFetch = opts.fetch ?? fetch;
  const base = opts.fhir.replace(/\/+$/, '');
  let bundles: NamedBundle[];
  let transactions: { file: string; tx: Bundle }[];
  try {
    bundles = await readPatientBundles(opts.dirs ?? PATIENT_DIRS);
    transactions = bundles.map((b) => ({ file: b.file, tx: toTransaction(b) }));
  } catch (err) {
    log(`error: ${(err as Error).message}`);
    return EXIT.fixture;
  }
  if (transactions.length === 0) {
    log(`error: no patient bundles found in ${(opts.dirs ?? PATIENT_DIRS).join(', ')}`);
    return EXIT.fixture;
  }
  let failures = 0;
  for (const { file, tx } of transactions) {
    const count = tx.entry?.length ?? 0;
    if (opts.dryRun) {
      log(`would load ${file}: ${count} resources`);
      continue;
    }
    try {
      const res = await doFetch(base, {
        method: 'POST',
        headers: {
          'content-type': 'application/fhir+json',
          accept: 'application/fhir+json',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
        body: JSON.stringify(tx),
        signal: AbortSignal.timeout(60_000),
      });
      const body = await res.text();
      if (!res.ok) {
        failures++;
        log(`FAILED ${file}: ${describeFailure(res.status, body)}`);
        continue;
      }
      const result = JSON.parse(body) as Bundle;
      const bad = (result.entry ?? []).filter((e) => !/^2\d\d/.test(e.response?.status ?? '200'));
      if (bad.length > 0) {
        failures++;
        log(`FAILED ${file}: ${bad.length} of ${count} entries refused (${bad[0]?.response?.status})`);
      } else {
        log(`loaded ${file}: ${count} resources`);
      }
    } catch (err) {
      // A network failure means the server is unreachable: the remaining files would fail the same way.
      log(`error: could not reach ${base} while loading ${file} (${(err as Error).message}). Is the server running, and is --fhir its base URL?`);
      return EXIT.server;
    }
  }
  if (!opts.dryRun) log(failures ? `${failures} of ${transactions.length} files failed` : `all ${transactions.length} files loaded into ${base}`);
  return failures ? EXIT.server : EXIT.ok;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { fhir: { type: 'string' }, token: { type: 'string' }, dir: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (!values.fhir || !/^https?:\/\//.test(values.fhir)) {
    console.error(`--fhir must be the server's base URL (http or https).\n${USAGE}`);
    return EXIT.usage;
  }
  return seed({ fhir: values.fhir, token: values.token ?? process.env.FHIR_TOKEN, dirs: values.dir, dryRun: values['dry-run'] });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
