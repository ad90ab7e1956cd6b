// The shared index read a partition at a time: fetching every key a partition's patients name in
// batched queries joins each patient to exactly the lines that looking its keys up one at a time does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closureOf, createSharedIndex, openSharedIndex, sharedClosure, sharedRefs } from '../../cli/shared-index';

const line = (r: object) => JSON.stringify(r);

describe('fetching the shared resources of a whole partition at once', () => {
  it('joins each patient to the same lines as one lookup per key, across shards, chunks and references', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-'));
    const shards = [createSharedIndex(join(dir, 's0.sqlite')), createSharedIndex(join(dir, 's1.sqlite'))];
    // More payers than one query takes, spread over both shards; sites whose managing Organization
    // is in the other shard; a clinic in both shards with the same line (kept once) and one with a
    // different line in each (both kept, in shard order); a cycle of Organizations.
    const payers = 1_234;
    for (let i = 0; i < payers; i++) shards[i % 2]!.add(`Organization/payer-${i}`, line({ resourceType: 'Organization', id: `payer-${i}` }));
    for (let i = 0; i < 30; i++) shards[i % 2]!.add(`Location/site-${i}`, line({ resourceType: 'Location', id: `site-${i}`, managingOrganization: { reference: `Organization/clinic-${i % 7}` } }));
    for (let i = 0; i < 7; i++) shards[(i + 1) % 2]!.add(`Organization/clinic-${i}`, line({ resourceType: 'Organization', id: `clinic-${i}`, partOf: { reference: `Organization/net-${i % 2}` } }));
    shards[0]!.add('Organization/clinic-1', line({ resourceType: 'Organization', id: 'clinic-1', partOf: { reference: 'Organization/net-1' } }));
    shards[0]!.add('Organization/clinic-2', line({ resourceType: 'Organization', id: 'clinic-2', name: 'a second version' }));
    shards[0]!.add('Organization/net-0', line({ resourceType: 'Organization', id: 'net-0', partOf: { reference: 'Organization/net-1' } }));
    shards[1]!.add('Organization/net-1', line({ resourceType: 'Organization', id: 'net-1', partOf: { reference: 'Organization/net-0' } }));
    shards.forEach((s) => s.close());
    const paths = [join(dir, 's0.sqlite'), join(dir, 's1.sqlite')];

    const patients = Array.from({ length: payers + 10 }, (_, i) => [
      line({ resourceType: 'Coverage', id: `c${i}`, beneficiary: { reference: `Patient/p${i}` }, payor: [{ reference: `Organization/payer-${i}` }] }),
      line({ resourceType: 'Encounter', id: `e${i}`, subject: { reference: `Patient/p${i}` }, location: [{ location: { reference: `Location/site-${i % 31}` } }], serviceProvider: { reference: 'Organization/missing' } }),
    ]);
    const oneByOne = openSharedIndex(paths);
    const expected = patients.map((lines) => sharedClosure(lines, oneByOne));
    oneByOne.close();

    // A small cache, so that generations turn over while the partition is fetched.
    const batched = openSharedIndex(paths, 100);
    for (const [from, to] of [[0, 600], [600, patients.length]] as const) {
      const part = patients.slice(from, to);
      const fetched = batched.fetchClosure(part.flatMap((lines) => lines.flatMap(sharedRefs)));
      expect(part.map((lines) => closureOf(lines.flatMap(sharedRefs), fetched))).toEqual(expected.slice(from, to));
    }
    batched.close();
    expect(expected[1]).toEqual([
      line({ resourceType: 'Organization', id: 'payer-1' }),
      line({ resourceType: 'Location', id: 'site-1', managingOrganization: { reference: 'Organization/clinic-1' } }),
      line({ resourceType: 'Organization', id: 'clinic-1', partOf: { reference: 'Organization/net-1' } }),
      line({ resourceType: 'Organization', id: 'net-1', partOf: { reference: 'Organization/net-0' } }),
      line({ resourceType: 'Organization', id: 'net-0', partOf: { reference: 'Organization/net-1' } }),
    ]);
    expect(expected[2]!.filter((l) => l.includes('"clinic-2"'))).toHaveLength(2);
  });
});
