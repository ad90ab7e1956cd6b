// Prefetch templates and tokens (CDS Hooks 2.0 §Prefetch Template), pure.
import { describe, expect, it } from 'vitest';
import { dedupeResources, flattenResources, isUsablePrefetch, PREFETCH_TEMPLATES, replacePrefetchTokens } from '../../cds-hooks/prefetch';
import { missingPayerIds } from '../../cds-hooks/resolve-prefetch';

describe('replacePrefetchTokens', () => {
  it('fills {{context.patientId}} from the hook context', () => {
    expect(replacePrefetchTokens(PREFETCH_TEMPLATES.patient, { patientId: 'pt-1' })).toBe('Patient/pt-1');
    expect(replacePrefetchTokens(PREFETCH_TEMPLATES.serviceRequests, { patientId: 'pt-1' })).toBe('ServiceRequest?patient=pt-1&status=draft,active');
  });

  it('derives {{userPractitionerId}} from context.userId only when the user is a Practitioner', () => {
    expect(replacePrefetchTokens('Practitioner/{{userPractitionerId}}', { userId: 'Practitioner/abc' })).toBe('Practitioner/abc');
    expect(replacePrefetchTokens('Practitioner/{{userPractitionerId}}', { userId: 'PractitionerRole/abc' })).toBeUndefined();
  });

  it('returns undefined when a token has no value, so the key is neither prefetched nor fetched', () => {
    expect(replacePrefetchTokens('Encounter/{{context.encounterId}}', { patientId: 'p' })).toBeUndefined();
  });

  it('escapes token values so an id cannot add query parameters', () => {
    expect(replacePrefetchTokens('Condition?patient={{context.patientId}}', { patientId: 'x&_count=1' })).toBe('Condition?patient=x%26_count%3D1');
  });

  it('uses only CDS Hooks 2.0 tokens in every template', () => {
    for (const t of Object.values(PREFETCH_TEMPLATES)) expect(t).toMatch(/^[^{}]*\{\{context\.patientId\}\}[^{}]*$/);
  });
});

describe('prefetch values', () => {
  it('treats missing, null and OperationOutcome as unusable', () => {
    expect(isUsablePrefetch(undefined)).toBe(false);
    expect(isUsablePrefetch(null)).toBe(false);
    expect(isUsablePrefetch({ resourceType: 'OperationOutcome', issue: [] })).toBe(false);
    expect(isUsablePrefetch({ resourceType: 'Bundle' })).toBe(true);
  });

  it('flattens a searchset with _include entries and keeps one copy of each resource', () => {
    const bundle = {
      resourceType: 'Bundle' as const,
      type: 'searchset' as const,
      entry: [
        { resource: { resourceType: 'Coverage' as const, id: 'c', status: 'active' as const, beneficiary: {}, payor: [] }, search: { mode: 'match' as const } },
        { resource: { resourceType: 'Organization' as const, id: 'o', name: 'Aetna' }, search: { mode: 'include' as const } },
        { resource: { resourceType: 'OperationOutcome' as const, issue: [] }, search: { mode: 'outcome' as const } },
      ],
    };
    const flat = flattenResources(bundle);
    expect(flat.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['Coverage/c', 'Organization/o']);
    expect(dedupeResources([...flat, ...flat])).toHaveLength(2);
  });
});

describe('missingPayerIds', () => {
  it('names payer Organizations a Coverage points to and the record lacks, in FHIR id syntax only', () => {
    const cov = (ref: string) => ({ resourceType: 'Coverage', id: ref, status: 'active', beneficiary: { reference: 'Patient/p' }, payor: [{ reference: ref }] }) as any;
    const resources = [cov('Organization/aetna'), cov('Organization/known'), cov('Organization/x&_include=*'), cov('Patient/p'), { resourceType: 'Organization', id: 'known' } as any];
    expect(missingPayerIds(resources)).toEqual(['aetna']);
    expect(missingPayerIds([cov('Organization/aetna'), cov('Organization/aetna')])).toEqual(['aetna']);
    // What a client may really send (the fuzz test found it): payor not an array, or holding nulls.
    const odd = [{ ...cov('x'), payor: [null, 7, { reference: 9 }] }, { ...cov('y'), payor: { reference: 'Organization/z' } }];
    expect(missingPayerIds(odd)).toEqual([]);
  });
});
