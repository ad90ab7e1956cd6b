// Where the sandbox's synthetic patients come from: every collection Bundle in test/fixtures/patients/
// (the seed cases and their twins) and in sandbox/patients/ (sandbox-only personas), plus generated
// ones (a large record for speed work). Also summarises patients for the EHR page and patient picker.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Coverage, Patient, Resource } from '@medplum/fhirtypes';
import type { PickablePatient } from './consent-page';
import { largePatientBundle } from './large-patient';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');
export const PATIENT_DIRS = [path.join(ROOT, 'test/fixtures/patients'), path.join(here, 'patients')];

export interface NamedBundle {
  file: string;
  bundle: Bundle;
}

/** Reads every *.json Bundle in the given folders; a folder that does not exist yet is skipped. */
export async function readPatientBundles(dirs: string[] = PATIENT_DIRS): Promise<NamedBundle[]> {
  const out: NamedBundle[] = [];
  for (const dir of dirs) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const name of files.filter((f) => f.endsWith('.json')).sort()) {
      const file = path.join(dir, name);
      let data: unknown;
      try {
        data = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new Error(`${path.relative(ROOT, file)}: not valid JSON (${(err as Error).message})`);
      }
      if ((data as Resource | undefined)?.resourceType !== 'Bundle') continue; // e.g. a manifest
      out.push({ file: path.relative(ROOT, file), bundle: data as Bundle });
    }
  }
  return out;
}

/** Fixture bundles plus the generated ones. */
export async function sandboxBundles(dirs?: string[]): Promise<NamedBundle[]> {
  return [...(await readPatientBundles(dirs)), { file: '(generated) large-patient', bundle: largePatientBundle() }];
}

function nameOf(p: Patient): string {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  if (!n) return p.id ?? 'Unnamed patient';
  return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/** One line per patient for the picker and the EHR page: name, birth date, sex, payer. */
export function summarisePatients(bundles: NamedBundle[]): PickablePatient[] {
  const resources = bundles.flatMap((b) => (b.bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r));
  const orgs = new Map(resources.filter((r) => r.resourceType === 'Organization').map((o) => [`Organization/${o.id}`, o]));
  const coverages = resources.filter((r): r is Coverage => r.resourceType === 'Coverage');
  const seen = new Set<string>();
  const out: PickablePatient[] = [];
  for (const p of resources.filter((r): r is Patient => r.resourceType === 'Patient')) {
    if (!p.id || seen.has(p.id)) continue;
    seen.add(p.id);
    const cov = coverages.find((c) => c.beneficiary?.reference === `Patient/${p.id}`);
    const payorRef = cov?.payor?.[0];
    const org = payorRef?.reference ? orgs.get(payorRef.reference) : undefined;
    const payer = payorRef?.display ?? (org && 'name' in org ? String(org.name) : undefined);
    out.push({ id: p.id, name: nameOf(p), birthDate: p.birthDate, gender: p.gender, payer });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
