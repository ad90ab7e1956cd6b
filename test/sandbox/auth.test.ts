// The sandbox SMART authorization server and FHIR guard over HTTP, in-process on port 0: discovery,
// EHR launch with PKCE S256, the token response's launch context, OAuth errors for bad requests,
// verifiers and codes, standalone consent, refresh, and the guard's 401/403.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/index';

let server: http.Server;
let base: string;
let fhir: string;
let sandbox: Sandbox;
const REDIRECT = 'http://app.example/app/';

beforeAll(async () => {
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sandbox = await createSandbox({ publicBaseUrl: base, clients: [{ clientId: 'test-app', redirectUris: [REDIRECT], levels: ['patient'] }] });
  fhir = sandbox.fhirBase;
  const app = express();
  app.use(sandbox.router);
  server.on('request', app);
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function authorize(params: Record<string, string>): Promise<URL> {
  const url = new URL(`${base}/auth/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: 'test-app', redirect_uri: REDIRECT, aud: fhir, state: 's1', ...params })) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location') ?? '');
}

const token = (body: Record<string, string>) =>
  fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });

async function ehrCode(scope = 'launch openid fhirUser patient/Condition.rs patient/Patient.rs') {
  const { verifier, challenge } = pkce();
  const launch = sandbox.auth.createLaunch({ patient: 'seed000-patient', appContext: '{"order":"ServiceRequest/seed000-order-1"}', fhirContext: [{ reference: 'ServiceRequest/seed000-order-1' }] });
  const location = await authorize({ scope, launch, code_challenge: challenge, code_challenge_method: 'S256' });
  return { code: location.searchParams.get('code') ?? '', verifier, location };
}

describe('SMART discovery', () => {
  it('publishes .well-known/smart-configuration under the FHIR base with S256 and permission-v2', async () => {
    const res = await fetch(`${fhir}/.well-known/smart-configuration`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.authorization_endpoint).toBe(`${base}/auth/authorize`);
    expect(body.token_endpoint).toBe(`${base}/auth/token`);
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
    expect(body.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'launch-standalone', 'permission-v2', 'permission-v1', 'context-ehr-patient']));
  });
});

describe('EHR launch with PKCE', () => {
  it('exchanges the code for a token carrying patient, scope, appContext (a string), fhirContext and a signed id_token', async () => {
    const { code, verifier, location } = await ehrCode();
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('s1');
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'test-app', code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', patient: 'seed000-patient', appContext: '{"order":"ServiceRequest/seed000-order-1"}', need_patient_banner: true });
    expect(body.fhirContext).toEqual([{ reference: 'ServiceRequest/seed000-order-1' }]);
    expect(body.scope).toBe('launch openid fhirUser patient/Condition.rs patient/Patient.rs');
    const { payload } = await jwtVerify(String(body.id_token), createRemoteJWKSet(new URL(`${base}/auth/jwks`)), { audience: 'test-app' });
    expect(payload.fhirUser).toBe(`${fhir}/Practitioner/sandbox-practitioner`);
  });

  it('refuses a wrong code_verifier with invalid_grant, and the code cannot be retried', async () => {
    const { code, verifier } = await ehrCode();
    const bad = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'test-app', code_verifier: `${verifier}x` });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_grant' });
    const retry = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'test-app', code_verifier: verifier });
    expect(await retry.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a missing verifier (invalid_request), another redirect_uri, and an unknown grant type', async () => {
    const { code, verifier } = await ehrCode();
    expect(await (await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'test-app' })).json()).toMatchObject({ error: 'invalid_request' });
    const second = await ehrCode();
    const wrongRedirect = await token({ grant_type: 'authorization_code', code: second.code, redirect_uri: 'http://evil.example/', client_id: 'test-app', code_verifier: second.verifier });
    expect(await wrongRedirect.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await token({ grant_type: 'password', code, code_verifier: verifier })).json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('redirects OAuth errors to the app: no PKCE, wrong aud, unknown launch', async () => {
    const noPkce = await authorize({ scope: 'launch', launch: 'x' });
    expect(noPkce.searchParams.get('error')).toBe('invalid_request');
    expect(noPkce.searchParams.get('state')).toBe('s1');
    const { challenge } = pkce();
    const wrongAud = await authorize({ scope: 'launch', aud: 'http://other/fhir', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(wrongAud.searchParams.get('error_description')).toMatch(/aud/);
    const unknown = await authorize({ scope: 'launch', launch: 'nope', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(unknown.searchParams.get('error_description')).toMatch(/launch/i);
  });

  it('answers a request without a usable redirect_uri with an error page, not a redirect', async () => {
    const res = await fetch(`${base}/auth/authorize?response_type=code&client_id=x&redirect_uri=javascript:alert(1)`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Invalid authorization request/);
  });
});

describe('standalone launch consent and refresh', () => {
  it('shows the picker, grants only the ticked scopes for the chosen patient, and refreshes with offline_access', async () => {
    const { verifier, challenge } = pkce();
    const url = new URL(`${base}/auth/authorize`);
    const scope = 'launch/patient offline_access patient/Condition.rs patient/Observation.rs';
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: 'test-app', redirect_uri: REDIRECT, aud: fhir, state: 's2', scope, code_challenge: challenge, code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/Harriet Exemplar Pennywhistle/);
    const requestId = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const form = new URLSearchParams({ request: requestId, patient: 'met27096oh-patient', decision: 'approve' });
    for (const s of ['launch/patient', 'offline_access', 'patient/Condition.rs']) form.append('scope', s);
    const res = await fetch(`${base}/auth/authorize/decision`, { method: 'POST', body: form, redirect: 'manual' });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const body = (await (await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'test-app', code_verifier: verifier })).json()) as Record<string, string>;
    expect(body.patient).toBe('met27096oh-patient');
    expect(body.scope).toBe('launch/patient offline_access patient/Condition.rs');
    const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '', client_id: 'test-app' })).json()) as Record<string, string>;
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.patient).toBe('met27096oh-patient');
  });
});

describe('FHIR guard', () => {
  it('lets anonymous reads through, refuses a bad token with 401, and limits a token to its scopes and patient with 403', async () => {
    expect((await fetch(`${fhir}/Patient/seed000-patient`)).status).toBe(200);
    const bad = await fetch(`${fhir}/Condition?patient=seed000-patient`, { headers: { authorization: 'Bearer nonsense' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const t = await sandbox.auth.issueToken({ clientId: 'x', scope: 'patient/Condition.rs', patient: 'seed000-patient' });
    const auth = { authorization: `Bearer ${t.access_token}` };
    expect((await fetch(`${fhir}/Condition?patient=seed000-patient`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${fhir}/Procedure?patient=seed000-patient`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${fhir}/Condition?patient=seed001-patient`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${fhir}/Condition`, { headers: auth })).status).toBe(403);
  });
});
