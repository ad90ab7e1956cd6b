// Named persona fixtures (test/fixtures/patients) and the data-driven mutations policy cases apply to them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../server/policy-files';

export const PATIENTS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'patients');

type Resource = Record<string, unknown> & { resourceType: string; id?: string };
export interface Bundle {
  resourceType: 'Bundle';
  type: string;
  entry: { resource: Resource }[];
}

export const personaNames = (): string[] =>
  readdirSync(PATIENTS_DIR).filter((n) => n.endsWith('.json')).map((n) => n.replace(/\.json$/, '')).sort();

export const loadPersona = (name: string): Bundle => JSON.parse(readFileSync(join(PATIENTS_DIR, `${name}.json`), 'utf8')) as Bundle;

export const resourcesOf = (b: Bundle): Resource[] => b.entry.map((e) => e.resource);

/** What a policy case may do to a persona, as data. */
export type Mutation =
  | { op: 'remove'; ids: string[] }
  | { op: 'removeType'; resourceType: string }
  | { op: 'set'; id: string; path: string; value: unknown }
  | { op: 'delete'; id: string; path: string }
  | { op: 'add'; resource: Resource };

function walkTo(obj: Record<string, unknown>, path: string): [Record<string, unknown>, string] {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === undefined) cur[p] = /^\d+$/.test(parts[parts.indexOf(p) + 1] ?? '') ? [] : {};
    cur = cur[p] as Record<string, unknown>;
  }
  return [cur, parts.at(-1)!];
}

export function mutate(resources: Resource[], mutations: Mutation[] = []): Resource[] {
  let out: Resource[] = structuredClone(resources);
  const byId = (id: string) => {
    const r = out.find((x) => x.id === id);
    if (!r) throw new Error(`mutation names resource "${id}", which the fixture does not have`);
    return r;
  };
  for (const m of mutations) {
    switch (m.op) {
      case 'remove':
        m.ids.forEach(byId);
        out = out.filter((r) => !m.ids.includes(r.id ?? ''));
        break;
      case 'removeType':
        out = out.filter((r) => r.resourceType !== m.resourceType);
        break;
      case 'set': {
        const [parent, key] = walkTo(byId(m.id), m.path);
        parent[key] = m.value;
        break;
      }
      case 'delete': {
        const [parent, key] = walkTo(byId(m.id), m.path);
        delete parent[key];
        break;
      }
      case 'add':
        out.push(m.resource);
        break;
    }
  }
  return out;
}
