// Several worker processes serve the endpoint in production (WEB_CONCURRENCY): a jti used once must be
// refused by every one of them. Two app instances share one feedback database, as workers do.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { hookRequest, SERVICE_URL_PATH, startApp, tempDbPath, type TestApp } from './harness';
import { ADA, adaOrders } from './patients';

const ISS = 'https://ehr.example.org';
const PUBLIC = 'http://cds.example.test';
let jwks: http.Server;
let key: CryptoKey;
let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
  jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const env = {
    CDS_AUTH: 'on',
    PUBLIC_BASE_URL: PUBLIC,
    FEEDBACK_DB_PATH: tempDbPath(),
    CDS_TRUSTED_ISSUERS: JSON.stringify([{ iss: ISS, jwks_url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` }]),
  };
  first = await startApp({ env });
  second = await startApp({ env });
});
afterAll(async () => {
  await first.close();
  await second.close();
  jwks.closeAllConnections();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

describe('jti replay across worker processes', () => {
  it('a token accepted by one instance is refused by another that shares the database', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(`${PUBLIC}${SERVICE_URL_PATH}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(crypto.randomUUID())
      .sign(key);
    const body = hookRequest({ patientId: ADA, orders: [adaOrders()[2]!] });
    const accepted = await first.post(SERVICE_URL_PATH, body, { authorization: `Bearer ${token}` });
    expect(accepted.status).toBe(200);
    const replayed = await second.post(SERVICE_URL_PATH, body, { authorization: `Bearer ${token}` });
    expect(replayed.status).toBe(401);
    expect(replayed.body?.issue?.[0]?.code).toBe('login');
  });
});
