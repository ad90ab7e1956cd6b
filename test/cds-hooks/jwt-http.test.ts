// CDS client JWTs (CDS Hooks 2.0 "Trusting CDS Clients"), signed for real with jose against a JWKS
// served by a real HTTP server on 127.0.0.1. Every refusal is a 401 whose OperationOutcome says only
// "Unauthorized": the reason goes to the log, never to the caller.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { cdsResponseProblems, expectValid } from './contract';
import { hookRequest, SERVICE_URL_PATH, startApp, type TestApp } from './harness';
import { ADA, adaOrders } from './patients';

import { unauthorized } from '../../common/outcomes';

/** What every refused token gets: one shape, whatever the reason. */
const UNAUTHORIZED = unauthorized();
const ISS = 'https://ehr.example.org';
let jwksServer: http.Server;
let jwksUrl: string;
let app: TestApp;
let trusted: { privateKey: CryptoKey; kid: string };
let rsa: { privateKey: CryptoKey; kid: string };
let untrusted: { privateKey: CryptoKey; kid: string };

async function keyPair(alg: string, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, kid, jwk };
}

async function token(opts: { key?: { privateKey: CryptoKey; kid: string }; alg?: string; iss?: string; aud?: string; exp?: number; iat?: number; jti?: string; jku?: string } = {}) {
  const key = opts.key ?? trusted;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: opts.alg ?? 'ES384', typ: 'JWT', kid: key.kid, ...(opts.jku ? { jku: opts.jku } : {}) })
    .setIssuer(opts.iss ?? ISS)
    .setSubject('ehr-client')
    .setAudience(opts.aud ?? `${app.url}${SERVICE_URL_PATH}`)
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 300)
    .setJti(opts.jti ?? crypto.randomUUID())
    .sign(key.privateKey);
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const body = () => hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] });
const call = (authorization?: string) => app.post(SERVICE_URL_PATH, body(), authorization ? { authorization } : {});

beforeAll(async () => {
  const es = await keyPair('ES384', 'ehr-es384');
  const rs = await keyPair('RS384', 'ehr-rs384');
  const rogue = await keyPair('ES384', 'ehr-es384'); // same kid, different key
  trusted = es;
  rsa = rs;
  untrusted = rogue;
  jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [es.jwk, rs.jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  app = await startApp({ env: { CDS_AUTH: 'on', CDS_TRUSTED_ISSUERS: JSON.stringify([{ iss: ISS, jwks_url: jwksUrl }]) } });
});
afterAll(async () => {
  await app.close();
  jwksServer.closeAllConnections();
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
});

describe('CDS client JWT', () => {
  it('a token from a trusted issuer, signed ES384 with its key, for this endpoint → 200', async () => {
    const res = await call(`Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expectValid(cdsResponseProblems(res.body));
    expect(res.body).toEqual({ cards: [] });
  });

  it('RS384 and a jku equal to the configured JWKS URL are accepted', async () => {
    const res = await call(`Bearer ${await token({ key: rsa, alg: 'RS384', jku: jwksUrl })}`);
    expect(res.status).toBe(200);
  });

  const refusals: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['a token signed by an untrusted key', async () => `Bearer ${await token({ key: untrusted })}`],
    ['an expired token', async () => `Bearer ${await token({ iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 })}`],
    ['a token issued in the future', async () => `Bearer ${await token({ iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 })}`],
    ['a token for another audience', async () => `Bearer ${await token({ aud: 'https://other.example.org/cds-services/sij-medical-necessity' })}`],
    ['a token from an issuer not on the allowlist', async () => `Bearer ${await token({ iss: 'https://evil.example.org' })}`],
    ['a jku that is not the configured JWKS URL', async () => `Bearer ${await token({ jku: 'http://127.0.0.1:1/jwks.json' })}`],
    [
      'alg none',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISS, aud: `${app.url}${SERVICE_URL_PATH}`, iat: now, exp: now + 300, jti: crypto.randomUUID() })}.`;
      },
    ],
    [
      'HS256 (an HMAC "signed" with the public key or any secret)',
      async () =>
        `Bearer ${await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: 'ehr-es384' })
          .setIssuer(ISS)
          .setAudience(`${app.url}${SERVICE_URL_PATH}`)
          .setIssuedAt()
          .setExpirationTime('5m')
          .setJti(crypto.randomUUID())
          .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'))}`,
    ],
    ['garbage', async () => 'Bearer not.a.jwt'],
  ];
  for (const [name, make] of refusals) {
    it(`${name} → 401 with the same bare Unauthorized OperationOutcome, and the service keeps serving`, async () => {
      const res = await call(await make());
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
      expect((await call(`Bearer ${await token()}`)).status).toBe(200);
    });
  }

  it('a replayed jti → 401 the second time', async () => {
    const t = await token({ jti: 'once-only' });
    expect((await call(`Bearer ${t}`)).status).toBe(200);
    const replay = await call(`Bearer ${t}`);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(UNAUTHORIZED);
  });

  it('the feedback endpoint is protected too (its own URL is the audience)', async () => {
    const res = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [] }, { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(401);
    const aud = `${app.url}${SERVICE_URL_PATH}/feedback`;
    const ok = await app.post(`${SERVICE_URL_PATH}/feedback`, { feedback: [] }, { authorization: `Bearer ${await token({ aud })}` });
    expect(ok.status).toBe(400); // verified; then the empty feedback list is refused
  });
});
