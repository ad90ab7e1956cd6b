// The sandbox's SMART server holds to its own scopes, like a real EHR's (SMART App Launch 2.x). Each
// rule is driven through the real flow over HTTP: a token from an EHR launch (authorize + token with
// PKCE), then the FHIR interaction an attacker would try. Every case here once succeeded.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/index';

let server: http.Server;
let base: string;
let fhir: string;
let sandbox: Sandbox;
const APP = { clientId: 'test-app', redirect: 'http://app.example/app/' };
const ADMIN = { clientId: 'admin-app', redirect: 'http://admin.example/cb' };
const ME = 'seed000-patient';
const OTHER = 'seed001-patient';

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sandbox = await createSandbox({
    publicBaseUrl: base,
    clients: [
      { clientId: APP.clientId, redirectUris: [APP.redirect], levels: ['patient'] },
      { clientId: ADMIN.clientId, redirectUris: [ADMIN.redirect], levels: ['patient', 'user'] },
    ],
  });
  fhir = sandbox.fhirBase;
  const app = express();
  app.use(sandbox.router);
  server.on('request', app);
}, 60_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** An EHR launch for `patient` asking for `scope`, through authorize and token: the real flow. */
async function launch(scope: string, client = APP, patient = ME): Promise<{ access_token: string; scope: string; refresh_token?: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${base}/auth/authorize`);
  const params = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirect,
    aud: fhir,
    state: 's',
    scope,
    launch: sandbox.auth.createLaunch({ patient }),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(303);
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirect, client_id: client.clientId, code_verifier: verifier }),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as { access_token: string; scope: string; refresh_token?: string };
}

const get = (path: string, token?: string) => fetch(`${fhir}/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const idsOf = (b: Bundle) => (b.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
async function firstId(type: string, patient: string): Promise<string> {
  const b = (await (await get(`${type}?patient=${patient}`)).json()) as Bundle;
  return b.entry![0]!.resource!.id!;
}

describe('a patient-context token never leaves its compartment', () => {
  it('reading another patient\'s Condition by id, by vread or through _history is refused', async () => {
    const { access_token } = await launch('launch patient/Condition.rs');
    const theirs = await firstId('Condition', OTHER);
    const mine = await firstId('Condition', ME);
    expect((await get(`Condition/${mine}`, access_token)).status).toBe(200);
    expect((await get(`Condition/${theirs}`, access_token)).status).toBe(403);
    const history = await get(`Condition/${theirs}/_history`, access_token);
    expect(history.status === 403 || idsOf((await history.json()) as Bundle).length === 0).toBe(true);
    const version = ((await (await get(`Condition/${theirs}`)).json()) as { meta: { versionId: string } }).meta.versionId;
    expect((await get(`Condition/${theirs}/_history/${version}`, access_token)).status).toBe(403);
  });

  it('a batch cannot read another patient\'s Patient or search their Observations', async () => {
    const { access_token } = await launch('launch patient/Patient.rs patient/Observation.rs');
    const post = (entry: unknown[]) =>
      fetch(`${fhir}/`, { method: 'POST', headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }) });
    const read = await post([{ request: { method: 'GET', url: `Patient/${OTHER}` } }, { request: { method: 'GET', url: `Patient/${ME}` } }]);
    const text = await read.text();
    expect(text).not.toContain(`"id":"${OTHER}"`);
    expect(text).toContain(`"id":"${ME}"`);
    expect((await post([{ request: { method: 'GET', url: `Observation?patient=${OTHER}` } }])).status).toBe(403);
  });

  it('a batch PUT with a read-only token is refused and changes nothing', async () => {
    const { access_token } = await launch('launch patient/Condition.rs');
    const id = await firstId('Condition', ME);
    const before = await (await get(`Condition/${id}`)).json();
    const res = await fetch(`${fhir}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: { ...before, note: [{ text: 'written' }] }, request: { method: 'PUT', url: `Condition/${id}` } }] }),
    });
    expect(res.status).toBe(403);
    expect(await (await get(`Condition/${id}`)).json()).toEqual(before);
  });

  it('_revinclude brings only the patient\'s own Coverages, though the anonymous search sees everyone\'s', async () => {
    const everyone = (await (await get('Organization?_revinclude=Coverage:payor&_count=200')).json()) as Bundle;
    expect(idsOf(everyone).filter((i) => i.startsWith('Coverage/')).length).toBeGreaterThan(3);
    const { access_token } = await launch('launch patient/Organization.rs patient/Coverage.rs');
    const mine = (await (await get('Organization?_revinclude=Coverage:payor&_count=200', access_token)).json()) as Bundle;
    const coverages = (mine.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === 'Coverage') as { beneficiary?: { reference?: string } }[];
    expect(coverages.length).toBeGreaterThan(0);
    expect(coverages.every((c) => c.beneficiary?.reference === `Patient/${ME}`)).toBe(true);
  });

  it('writes need write scopes, and anonymous requests may read but never write', async () => {
    const { access_token } = await launch('launch patient/Observation.rs');
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${ME}` } };
    const post = (token?: string) => fetch(`${fhir}/Observation`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(obs) });
    expect((await post(access_token)).status).toBe(403);
    expect((await post()).status).toBe(403);
    const writer = await launch('launch patient/Observation.cruds');
    expect((await post(writer.access_token)).status).toBe(201);
    const foreign = { ...obs, subject: { reference: `Patient/${OTHER}` } };
    const res = await fetch(`${fhir}/Observation`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${writer.access_token}` }, body: JSON.stringify(foreign) });
    expect(res.status).toBe(403);
  });
});

describe('user/ and system/ scopes only as the registration allows', () => {
  it('an EHR launch asking for user/*.cruds system/*.cruds gets neither, cannot list every patient and cannot DELETE one', async () => {
    const token = await launch('launch user/*.cruds system/*.cruds patient/Patient.rs');
    expect(token.scope).not.toMatch(/user\/|system\//);
    expect((await get('Patient', token.access_token)).status).toBe(403);
    const del = await fetch(`${fhir}/Patient/${OTHER}`, { method: 'DELETE', headers: { authorization: `Bearer ${token.access_token}` } });
    expect(del.status).toBe(403);
    expect((await get(`Patient/${OTHER}`)).status).toBe(200);
  });

  it('a client registered for user/ gets user/ scopes, and still no system/', async () => {
    const token = await launch('launch user/Patient.rs system/*.cruds', ADMIN);
    expect(token.scope).toContain('user/Patient.rs');
    expect(token.scope).not.toContain('system/');
    const all = (await (await get('Patient?_count=100', token.access_token)).json()) as Bundle;
    expect(idsOf(all).length).toBeGreaterThan(3);
  });
});

describe('the authorize and token endpoints', () => {
  const authorize = (params: Record<string, string | string[]>) => {
    const url = new URL(`${base}/auth/authorize`);
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) url.searchParams.append(k, one);
    return fetch(url, { redirect: 'manual' });
  };
  const good = { response_type: 'code', client_id: APP.clientId, redirect_uri: APP.redirect, aud: '', state: 's', scope: 'launch', code_challenge: 'x', code_challenge_method: 'S256' };

  it('an unregistered redirect_uri gets an error page, never a redirect to it', async () => {
    for (const redirect of ['http://evil.example/steal', `${APP.redirect}extra`, 'http://[::1', 'javascript:alert(1)']) {
      const res = await authorize({ ...good, aud: fhir, redirect_uri: redirect });
      expect(res.status, redirect).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/not exactly one it registered/);
    }
    const unknownClient = await authorize({ ...good, aud: fhir, client_id: 'nobody' });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.headers.get('location')).toBeNull();
  });

  it('a doubled parameter is a 400 invalid_request, not a 500', async () => {
    const res = await authorize({ ...good, aud: fhir, scope: ['launch', 'openid'] });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid_request/);
  });

  it('a refresh needs the client it was issued to', async () => {
    const { refresh_token } = await launch('launch offline_access patient/Patient.rs');
    const refresh = (extra: Record<string, string>) =>
      fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh_token!, ...extra }) });
    const without = await refresh({});
    expect(without.status).toBe(400);
    expect(await without.json()).toMatchObject({ error: 'invalid_request' });
    expect(await (await refresh({ client_id: ADMIN.clientId })).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh({ client_id: APP.clientId })).status).toBe(200);
  });

  it('a token request that is not a form is a 400 invalid_request', async () => {
    const res = await fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"authorization_code"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('the sandbox EHR API needs the EHR page\'s own session', () => {
  it('/ehr/api/launch and /ehr/api/sign are refused without the SameSite=Strict session cookie, and work with it', async () => {
    const body = JSON.stringify({ patientId: ME });
    const post = (path: string, cookie?: string) => fetch(`${base}/ehr/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body });
    expect((await post('launch')).status).toBe(403);
    expect((await post('sign')).status).toBe(403);
    expect((await post('launch', 'sij_ehr_session=guessed')).status).toBe(403);
    expect((await fetch(`${base}/ehr/api/config`)).status).toBe(403);
    const page = await fetch(`${base}/ehr`);
    const setCookie = page.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    const cookie = setCookie.split(';')[0]!;
    const launched = await post('launch', cookie);
    expect(launched.status).toBe(200);
    expect(await launched.json()).toMatchObject({ iss: fhir });
  });
});
