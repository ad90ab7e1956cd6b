import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { determine, loadLibrary, PolicyLoadError } from '../../criteria';
import { loadLibraryFromDisk, readLibraryFiles, DEFAULT_LIBRARY_DIR, REPO_ROOT } from '../../server/policy-files';
import { loadPersona, mutate, resourcesOf } from '../support/fixtures';

const shipped = readLibraryFiles(DEFAULT_LIBRARY_DIR);
const withFile = (path: string, data: unknown) => [...shipped.filter((f) => f.path !== path), { path, data }];
const policyFile = (id: string) => shipped.find((f) => f.path.endsWith(`policies/${id}.json`))!;
const edit = (id: string, change: (p: Record<string, any>) => void) => {
  const f = policyFile(id);
  const data = structuredClone(f.data) as Record<string, any>;
  change(data);
  return withFile(f.path, data);
};
const loadError = (files: ReturnType<typeof withFile>): PolicyLoadError => {
  try {
    loadLibrary(files);
  } catch (e) {
    if (e instanceof PolicyLoadError) return e;
    throw e;
  }
  throw new Error('the library loaded');
};

describe('the policy library', () => {
  it('loads the shipped payer policies, the evidence pathway, the BMJ advisory and the order checks', () => {
    const lib = loadLibraryFromDisk();
    expect(lib.policies.map((p) => p.id).sort()).toEqual(['aetna-cpb-0016', 'centene-wa-cp-mp-166', 'medicare-lcd-sij']);
    expect(lib.pathway.id).toBe('evidence-pathway');
    expect(lib.advisories.map((a) => a.id)).toEqual(['bmj-2025-chronic-spine-pain']);
    expect(lib.byRuleKey.get('64625')?.map((p) => p.id).sort()).toEqual(['aetna-cpb-0016', 'centene-wa-cp-mp-166', 'medicare-lcd-sij']);
  });

  it('marks every claim tagged U as unverified, so cards can say "per summaries of"', () => {
    const lib = loadLibraryFromDisk();
    const all = [...lib.policies, lib.pathway].flatMap((p) => Object.values(p.criteria));
    expect(all.filter((c) => c.confidence === 'U').every((c) => !c.verified)).toBe(true);
    expect(all.filter((c) => c.confidence !== 'U').every((c) => c.verified)).toBe(true);
  });

  it('adding a policy is adding a data file: a throwaway policy in a fixture folder governs its payer', () => {
    const lib = loadLibraryFromDisk(join(REPO_ROOT, 'test/fixtures/policies/acme'));
    const resources = mutate(resourcesOf(loadPersona('met-medicare-27096-oh')), [
      { op: 'set', id: 'met27096oh-payer', path: 'name', value: 'Acme Health Plan' },
      { op: 'set', id: 'met27096oh-coverage', path: 'type', value: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] } },
    ]);
    const [d] = determine(lib, resources);
    expect(d?.policy.id).toBe('acme-sij');
    expect(d?.criteria.map((c) => [c.id, c.status])).toEqual([['acme-pain-8', 'not-met']]);
    expect(d?.outcome).toBe('criteria-not-met');
  });

  it('names the file and path when a criterion uses an operator its fact cannot take', () => {
    const e = loadError(edit('medicare-lcd-sij', (p) => { p.criteria['lcd-severity'].op = 'is-true'; }));
    expect(e.file).toBe('criteria/policies/medicare-lcd-sij.json');
    expect(e.path).toBe('criteria.lcd-severity.op');
  });

  it('refuses an unknown fact, an undefined criterion in a tree, and a U claim marked verified', () => {
    expect(loadError(edit('medicare-lcd-sij', (p) => { p.criteria['lcd-severity'].fact = 'pain-vibes'; })).message).toContain('unknown fact "pain-vibes"');
    expect(loadError(edit('medicare-lcd-sij', (p) => { p.codes['27096'].criteria = { all: ['lcd-nope'] }; })).path).toBe('codes.27096.criteria.all.0');
    expect(loadError(edit('medicare-lcd-sij', (p) => { p.criteria['lcd-conservative'].verified = true; })).message).toContain('cannot be verified');
  });

  it('refuses a criterion no code rule uses, so a policy file cannot carry dead criteria', () => {
    const e = loadError(edit('medicare-lcd-sij', (p) => { p.criteria['lcd-spare'] = { ...p.criteria['lcd-severity'] }; }));
    expect(e.path).toBe('criteria.lcd-spare');
  });

  it('refuses a payer name pattern that is not a regular expression, at load rather than mid-evaluation', () => {
    const e = loadError(edit('aetna-cpb-0016', (p) => { p.payers[0].name = '(aetna'; }));
    expect(e.path).toBe('payers.0.name');
  });

  it('refuses a policy missing a required field, naming the field', () => {
    const e = loadError(edit('aetna-cpb-0016', (p) => { delete p.url; }));
    expect(e.message).toMatch(/aetna-cpb-0016\.json: url:/);
  });

  it('refuses a library without its clinical pathway, or a pathway that leaves an order code unaddressed', () => {
    expect(loadError(shipped.filter((f) => !f.path.endsWith('evidence-pathway.json'))).message).toContain('exactly one clinical-pathway');
    expect(loadError(edit('evidence-pathway', (p) => { delete p.codes['G0260']; })).message).toContain('missing G0260');
  });

  it('reports a file that is not JSON with its name', () => {
    const root = mkdtempSync(join(tmpdir(), 'lib-'));
    mkdirSync(join(root, 'policies'));
    writeFileSync(join(root, 'policies', 'broken.json'), '{ "id": ');
    expect(() => loadLibraryFromDisk(root)).toThrow(/broken\.json: \(root\): not valid JSON/);
  });
});
