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
    expect(lib.advisories.map((a) => a.id).sort()).toEqual(['bmj-2025-chronic-spine-pain', 'pregnancy']);
    expect(lib.byRuleKey.get('64625')?.map((p) => p.id).sort()).toEqual(['aetna-cpb-0016', 'centene-wa-cp-mp-166', 'medicare-lcd-sij']);
  });

  it('marks every claim tagged U as unverified, so cards can say "per summaries of"', () => {
    const lib = loadLibraryFromDisk();
    const all = [...lib.policies, lib.pathway].flatMap((p) => Object.values(p.criteria));
    expect(all.filter((c) => c.confidence === 'U').every((c) => !c.verified)).toBe(true);
    expect(all.filter((c) => c.confidence !== 'U').every((c) => c.verified)).toBe(true);
  });

  it('adding a policy is adding data: a throwaway policy with an 18-month window and a procedure family no shipped policy uses governs its payer', () => {
    const lib = loadLibraryFromDisk(join(REPO_ROOT, 'test/fixtures/policies/acme'));
    const prolo = (id: string, date: string) => ({
      op: 'add' as const,
      resource: { resourceType: 'Procedure', id, status: 'completed', subject: { reference: 'Patient/met27096oh-patient' }, code: { text: 'Sacroiliac prolotherapy, left' }, performedDateTime: date },
    });
    const acme = [
      { op: 'set' as const, id: 'met27096oh-payer', path: 'name', value: 'Acme Health Plan' },
      { op: 'set' as const, id: 'met27096oh-coverage', path: 'type', value: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] } },
      { op: 'set' as const, id: 'met27096oh-coverage', path: 'payor', value: [{ reference: 'Organization/met27096oh-payer', display: 'Acme Health Plan' }] },
      { op: 'set' as const, id: 'met27096oh-obs-8', path: 'valueQuantity.value', value: 8 },
    ];
    const judge = (...extra: ReturnType<typeof prolo>[]) => determine(lib, mutate(resourcesOf(loadPersona('met-medicare-27096-oh')), [...acme, ...extra]))[0]!;
    const statuses = (d: ReturnType<typeof judge>) => Object.fromEntries(d.criteria.map((c) => [c.id, c.status]));
    expect(judge().policy.id).toBe('acme-sij');
    // Two sessions within 18 months exceed the limit; the same two with one 20 months back do not.
    expect(statuses(judge(prolo('p1', '2025-01-10'), prolo('p2', '2025-08-01')))).toEqual({ 'acme-pain-8': 'met', 'acme-prolotherapy-limit': 'not-met' });
    const d = judge(prolo('p1', '2024-03-10'), prolo('p2', '2025-08-01'));
    expect(statuses(d)).toEqual({ 'acme-pain-8': 'met', 'acme-prolotherapy-limit': 'met' });
    expect(d.criteria.find((c) => c.id === 'acme-prolotherapy-limit')?.summary).toContain('since 2024-05-17');
    expect(d.outcome).toBe('criteria-met');
  });

  it('refuses a code rule that does not say whether it is complete, and an incomplete rule that does not say what it leaves out', () => {
    expect(loadError(edit('medicare-lcd-sij', (p) => { delete p.codes['27096'].complete; })).path).toBe('codes.27096.complete');
    expect(loadError(edit('aetna-cpb-0016', (p) => { delete p.codes['27096'].unencoded; })).path).toBe('codes.27096.unencoded');
  });

  it('refuses an unknown fact kind, a parameter naming no procedure family, and a code the triggers do not define', () => {
    const facts = shipped.find((f) => f.path.endsWith('facts/care.json'))!;
    const withFacts = (change: (d: Record<string, any>) => void) => {
      const data = structuredClone(facts.data) as Record<string, any>;
      change(data);
      return withFile(facts.path, data);
    };
    expect(loadError(withFacts((d) => { d.facts['pt-weeks'].kind = 'vibes'; })).path).toBe('facts.pt-weeks.kind');
    expect(loadError(withFacts((d) => { d.facts['pt-weeks'].params.therapies = ['low-back-pain-dx']; })).message).toContain('is not a procedure family');
    expect(loadError(withFacts((d) => { d.facts['pt-weeks'].params.window = 3; })).path).toBe('facts.pt-weeks.params');
    expect(loadError(edit('medicare-lcd-sij', (p) => { p.codes['99999'] = p.codes['27096']; })).message).toContain('rule key "99999" is not in criteria/vocabulary/triggers.json');
  });

  it('refuses a retirement before the effective date, and two versions of a policy in effect on the same day', () => {
    expect(loadError(edit('centene-wa-cp-mp-166', (p) => { p.retired = '2020-01-01'; })).path).toBe('retired');
    const centene = policyFile('centene-wa-cp-mp-166');
    const v2 = { ...(structuredClone(centene.data) as Record<string, unknown>), version: 'v2', effective: '2025-06-01' };
    expect(loadError([...shipped, { path: 'criteria/policies/centene-v2.json', data: v2 }]).message).toContain('overlapping dates');
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
