// The sandbox's SMART App Launch 2 authorization server: .well-known/smart-configuration, the
// authorize endpoint (EHR launch via a `launch` id the EHR page issues; standalone launch via a
// patient picker and consent page), PKCE S256, the token endpoint (authorization_code and
// refresh_token grants) and a JWKS. Access tokens and id_tokens are RS256 JWTs signed with a key made
// at start-up, so the FHIR guard can verify them without shared state. Nothing here is logged.
import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { authErrorPage, consentPage, type PickablePatient } from './consent-page';
import { parseClinicalScope, sanitiseScopes } from './scopes';

/** Every parameter once, as a string: a doubled or structured parameter is malformed (RFC 6749 §3.1). */
function singleParams(input: unknown): Record<string, string> | undefined {
  if (!input || typeof input !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/** The scopes a registration lets a client have: clinical scopes of a level it is not registered for are dropped. */
function allowedFor(client: ClientRegistration, scopes: string[]): string[] {
  return scopes.filter((s) => {
    const clinical = parseClinicalScope(s);
    return !clinical || client.levels.includes(clinical.level);
  });
}

export interface LaunchContext {
  patient: string;
  encounter?: string;
  /** Passed through verbatim as the token response's `appContext` (a string, as CDS Hooks links carry it). */
  appContext?: string;
  fhirContext?: { reference: string }[];
  /** The signed-in user, e.g. "Practitioner/sandbox-practitioner". */
  user?: string;
}

export interface AccessClaims {
  scope: string;
  patient?: string;
  client_id: string;
  sub: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  patient?: string;
  encounter?: string;
  appContext?: string;
  fhirContext?: { reference: string }[];
  need_patient_banner?: boolean;
  id_token?: string;
  refresh_token?: string;
}

interface Grant extends Partial<LaunchContext> {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string;
  expires: number;
}

/**
 * A registered client, as a real EHR keeps them: its exact redirect URIs, and which scope levels it may
 * be granted (patient/ always; user/ and system/ only when listed).
 */
export interface ClientRegistration {
  clientId: string;
  redirectUris: string[];
  levels: ('patient' | 'user' | 'system')[];
}

export interface SmartAuthOptions {
  /** Registered clients; the SMART app is registered by the sandbox (sandbox/index.ts). */
  clients: ClientRegistration[];
  /** The public origin plus any prefix, e.g. "http://localhost:3000". */
  publicBaseUrl: string;
  /** The FHIR base these tokens are for (the `aud` apps must send). */
  fhirBase: string;
  patients: () => PickablePatient[];
  tokenLifetimeSeconds?: number;
  defaultUser?: string;
}

const CODE_TTL_MS = 5 * 60_000;
const LAUNCH_TTL_MS = 10 * 60_000;
const DEFAULT_USER = 'Practitioner/sandbox-practitioner';

const id = (bytes = 24) => randomBytes(bytes).toString('base64url');
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const trimSlash = (u: string) => u.replace(/\/+$/, '');

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export async function createSmartAuth(opts: SmartAuthOptions) {
  const base = trimSlash(opts.publicBaseUrl);
  const fhirBase = trimSlash(opts.fhirBase);
  const issuer = `${base}/auth`;
  const lifetime = opts.tokenLifetimeSeconds ?? 3600;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = id(8);
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  const launches = new Map<string, LaunchContext & { expires: number }>();
  const pending = new Map<string, Omit<Grant, 'scope'> & { scope: string[]; state: string; needsPatient: boolean }>();
  const codes = new Map<string, Grant>();
  const refreshTokens = new Map<string, Omit<Grant, 'codeChallenge' | 'redirectUri' | 'expires'>>();

  function smartConfiguration() {
    return {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access', 'patient/*.rs', 'patient/*.read', 'user/*.rs'],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'context-ehr-patient',
        'context-standalone-patient',
        'context-banner',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'permission-offline',
        'sso-openid-connect',
      ],
    };
  }

  /** Called by the EHR page: remembers the context and returns the opaque `launch` value. */
  function createLaunch(ctx: LaunchContext): string {
    const launch = id(16);
    launches.set(launch, { ...ctx, expires: Date.now() + LAUNCH_TTL_MS });
    return launch;
  }

  async function signAccessToken(claims: AccessClaims): Promise<string> {
    return new SignJWT({ scope: claims.scope, patient: claims.patient, client_id: claims.client_id })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer)
      .setSubject(claims.sub)
      .setAudience(fhirBase)
      .setIssuedAt()
      .setJti(id(12))
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
      .sign(privateKey as CryptoKey);
  }

  /** Verifies a bearer token this server issued; undefined when it is not one, or has expired. */
  async function verifyAccessToken(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, publicKey, { issuer, audience: fhirBase });
      return {
        scope: String(payload.scope ?? ''),
        patient: typeof payload.patient === 'string' ? payload.patient : undefined,
        client_id: String(payload.client_id ?? ''),
        sub: String(payload.sub ?? ''),
      };
    } catch {
      return undefined;
    }
  }

  async function tokenResponseFor(grant: Omit<Grant, 'codeChallenge' | 'redirectUri' | 'expires'>): Promise<TokenResponse> {
    const scopes = grant.scope.split(' ');
    const user = grant.user ?? opts.defaultUser ?? DEFAULT_USER;
    const body: TokenResponse = {
      access_token: await signAccessToken({ scope: grant.scope, patient: grant.patient, client_id: grant.clientId, sub: user }),
      token_type: 'Bearer',
      expires_in: lifetime,
      scope: grant.scope,
    };
    if (grant.patient) Object.assign(body, { patient: grant.patient, need_patient_banner: true });
    if (grant.encounter) body.encounter = grant.encounter;
    if (grant.appContext !== undefined) body.appContext = grant.appContext;
    if (grant.fhirContext?.length) body.fhirContext = grant.fhirContext;
    if (scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'))) {
      body.id_token = await new SignJWT({ fhirUser: `${fhirBase}/${user}`, profile: `${fhirBase}/${user}` })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(issuer)
        .setSubject(user)
        .setAudience(grant.clientId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
        .sign(privateKey as CryptoKey);
    }
    if (scopes.includes('offline_access') || scopes.includes('online_access')) {
      const refresh = id(32);
      refreshTokens.set(refresh, { clientId: grant.clientId, scope: grant.scope, patient: grant.patient, encounter: grant.encounter, user });
      body.refresh_token = refresh;
    }
    return body;
  }

  /** Issues a token directly (the EHR uses this for the CDS service's fhirAuthorization). */
  async function issueToken(grant: { clientId: string; scope: string; patient?: string }): Promise<TokenResponse> {
    return tokenResponseFor({ ...grant, scope: sanitiseScopes(grant.scope).join(' ') });
  }

  function redirectWith(res: Response, redirectUri: string, params: Record<string, string | undefined>): void {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    res.redirect(303, url.toString());
  }

  function issueCode(res: Response, grant: Grant, state: string): void {
    const code = id(32);
    codes.set(code, grant);
    redirectWith(res, grant.redirectUri, { code, state });
  }

  const router = express.Router();
  const cors = (_req: Request, res: Response, next: () => void) => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    next();
  };
  router.get('/fhir/.well-known/smart-configuration', cors, (_req, res) => res.json(smartConfiguration()));
  router.get('/auth/.well-known/openid-configuration', cors, (_req, res) =>
    res.json({ ...smartConfiguration(), subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }),
  );
  router.get('/auth/jwks', cors, (_req, res) => res.json({ keys: [jwk] }));

  const clientById = (id: string | undefined) => opts.clients.find((c) => c.clientId === id);

  router.get('/auth/authorize', (req, res) => {
    const q = singleParams(req.query);
    // Nothing about a malformed or unregistered request is trusted enough to redirect to: an error
    // page, never a 303 to a URI this server did not register (no open redirect).
    if (!q) {
      res.status(400).type('html').send(authErrorPage('Invalid authorization request (invalid_request)', 'Each parameter may appear once.'));
      return;
    }
    const client = clientById(q.client_id);
    const redirectUri = q.redirect_uri ?? '';
    if (!client || !client.redirectUris.includes(redirectUri)) {
      res
        .status(400)
        .type('html')
        .send(authErrorPage('Invalid authorization request', 'The client_id is not registered here, or the redirect_uri is not exactly one it registered.'));
      return;
    }
    const state = q.state ?? '';
    const fail = (error: string, description: string) => redirectWith(res, redirectUri, { error, error_description: description, state: state || undefined });
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
    if (!state) return fail('invalid_request', 'The state parameter is required.');
    if (trimSlash(q.aud ?? '') !== fhirBase) return fail('invalid_request', `aud must be this FHIR server: ${fhirBase}`);
    if (q.code_challenge_method !== 'S256' || !q.code_challenge) return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
    const scope = allowedFor(client, sanitiseScopes(q.scope ?? ''));
    const base = { clientId: client.clientId, redirectUri, codeChallenge: q.code_challenge, expires: Date.now() + CODE_TTL_MS };
    if (q.launch) {
      const ctx = launches.get(q.launch);
      if (!ctx || ctx.expires < Date.now()) return fail('invalid_request', 'Unknown or expired launch. Launch the app again from the EHR.');
      // An EHR launch is approved by the EHR session that issued it; standalone-only scopes are dropped.
      const granted = scope.filter((s) => s !== 'launch/patient' && s !== 'launch/encounter').join(' ');
      return issueCode(res, { ...base, ...ctx, scope: granted }, state);
    }
    const requestId = id(16);
    const needsPatient = scope.includes('launch/patient');
    pending.set(requestId, { ...base, scope, state, needsPatient });
    // The consent form's POST ends in a redirect to the app, which may live on another origin.
    res.set('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(redirectUri).origin}; frame-ancestors 'none'`);
    res.type('html').send(consentPage({ requestId, clientId: client.clientId, scopes: scope, needsPatient, patients: opts.patients() }));
  });

  router.post('/auth/authorize/decision', express.urlencoded({ extended: false }), (req, res) => {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string | string[] | undefined>;
    const request = typeof body.request === 'string' ? pending.get(body.request) : undefined;
    if (!request || request.expires < Date.now()) {
      res.status(400).type('html').send(authErrorPage('This sign-in has expired', 'The authorization request is unknown or older than five minutes.'));
      return;
    }
    pending.delete(body.request as string);
    if (body.decision !== 'approve') {
      return redirectWith(res, request.redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state: request.state });
    }
    const ticked = ([] as string[]).concat(body.scope ?? []);
    const granted = request.scope.filter((s) => ticked.includes(s));
    const patient = typeof body.patient === 'string' ? body.patient : undefined;
    if (request.needsPatient && !opts.patients().some((p) => p.id === patient)) {
      return redirectWith(res, request.redirectUri, { error: 'invalid_request', error_description: 'No patient was selected.', state: request.state });
    }
    const { state, needsPatient: _n, ...grant } = request;
    issueCode(res, { ...grant, scope: granted.join(' '), patient }, state);
  });

  router.options('/auth/token', cors, (_req, res) => void res.sendStatus(204));
  router.post('/auth/token', cors, express.urlencoded({ extended: false }), async (req, res) => {
    res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
    try {
      const params = req.is('application/x-www-form-urlencoded') ? singleParams(req.body) : undefined;
      if (!params) throw new OAuthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded, each parameter once.');
      res.json(await exchange(params));
    } catch (err) {
      const e = err instanceof OAuthError ? err : new OAuthError('server_error', 'The token request failed.', 500);
      res.status(e.status).json({ error: e.error, error_description: e.description });
    }
  });

  async function exchange(p: Record<string, string | undefined>): Promise<TokenResponse> {
    if (p.grant_type === 'refresh_token') {
      const grant = refreshTokens.get(p.refresh_token ?? '');
      if (!grant) throw new OAuthError('invalid_grant', 'Unknown refresh token.');
      // A public client identifies itself on refresh (RFC 6749 §6): only the client it was issued to may use it.
      if (!p.client_id) throw new OAuthError('invalid_request', 'client_id is required to refresh a token.');
      if (p.client_id !== grant.clientId) throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.');
      refreshTokens.delete(p.refresh_token ?? '');
      return tokenResponseFor(grant);
    }
    if (p.grant_type !== 'authorization_code') throw new OAuthError('unsupported_grant_type', 'Use authorization_code or refresh_token.');
    if (!p.code || !p.redirect_uri || !p.client_id) throw new OAuthError('invalid_request', 'code, redirect_uri and client_id are required.');
    if (!p.code_verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE).');
    const grant = codes.get(p.code);
    codes.delete(p.code); // single use, even when the exchange fails
    if (!grant || grant.expires < Date.now()) throw new OAuthError('invalid_grant', 'The authorization code is unknown, used or expired.');
    if (grant.clientId !== p.client_id) throw new OAuthError('invalid_grant', 'The code was issued to another client.');
    if (grant.redirectUri !== p.redirect_uri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request.');
    if (s256(p.code_verifier) !== grant.codeChallenge) throw new OAuthError('invalid_grant', 'The PKCE code_verifier does not match the code_challenge.');
    const { codeChallenge: _c, redirectUri: _r, expires: _e, ...rest } = grant;
    return tokenResponseFor(rest);
  }

  /** The CDS Hooks client JWT the EHR page sends with order-sign (iss = `${base}/ehr`, keys at /auth/jwks). */
  const ehrIssuer = `${base}/ehr`;
  async function signCdsClientJwt(audience: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, jku: `${issuer}/jwks` })
      .setIssuer(ehrIssuer)
      .setSubject('sandbox-ehr')
      .setAudience(audience)
      .setIssuedAt()
      .setJti(id(12))
      .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
      .sign(privateKey as CryptoKey);
  }

  return {
    router,
    createLaunch,
    issueToken,
    verifyAccessToken,
    signCdsClientJwt,
    smartConfiguration,
    issuer,
    /** Add this to the CDS service's trusted issuers so the EHR page's order-sign calls are accepted. */
    ehrClient: { iss: ehrIssuer, jwks_url: `${issuer}/jwks` },
  };
}

export type SmartAuth = Awaited<ReturnType<typeof createSmartAuth>>;
