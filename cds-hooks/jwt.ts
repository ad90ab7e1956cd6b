// Trusting CDS clients (CDS Hooks 2.0 §Security and Safety, "Trusting CDS Clients"): the client signs a
// JWT with iss, aud (this endpoint's URL), exp, iat and jti, and publishes its public key as a JWK Set.
// Here: iss must be on CDS_TRUSTED_ISSUERS; the key comes from that issuer's configured jwks_url (a
// `jku` header is honoured only when it equals it); aud, exp and iat must hold; a jti is accepted
// once; `none` and HMAC algorithms are refused. Callers learn nothing beyond 401.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** A CDS client this service trusts (CDS_TRUSTED_ISSUERS): its `iss` and the JWK Set its keys are at. */
export interface TrustedIssuer {
  iss: string;
  jwks_url: string;
}

/** Asymmetric algorithms only; the spec asks services to support ES384 and RS384. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const CLOCK_TOLERANCE_S = 30;
/** A token older than this is refused even if its exp is later (CDS Hooks recommends exp ≤ 5 min). */
const MAX_TOKEN_AGE = '1h';

export class JwtRejected extends Error {}

/**
 * Remembers which tokens were used. Shared by every process serving the endpoint (the feedback store's
 * database), so a replayed jti is refused whichever worker it reaches.
 */
export interface ReplayGuard {
  /** True the first time `key` is presented; false on every later use before `expiresAtMs`. */
  firstUse(key: string, expiresAtMs: number): Promise<boolean>;
}

/** One process's memory: enough for tests and a single-process server. */
export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async firstUse(key, expiresAtMs) {
      const t = now();
      for (const [k, exp] of seen) if (exp + CLOCK_TOLERANCE_S * 1000 < t) seen.delete(k);
      if (seen.has(key)) return false;
      seen.set(key, expiresAtMs);
      return true;
    },
  };
}

export interface JwtVerifier {
  /** Resolves with the verified claims; rejects with JwtRejected for any failure. */
  verify(authorization: string | undefined, audience: string): Promise<{ iss: string; sub?: string; jti: string }>;
}

export function createJwtVerifier(opts: { trustedIssuers: readonly TrustedIssuer[]; now?: () => number; replay?: ReplayGuard }): JwtVerifier {
  const now = opts.now ?? Date.now;
  const keySets = new Map<string, JWTVerifyGetKey>();
  const replay = opts.replay ?? memoryReplayGuard(now);

  function keySetFor(url: string): JWTVerifyGetKey {
    let set = keySets.get(url);
    if (!set) keySets.set(url, (set = createRemoteJWKSet(new URL(url), { timeoutDuration: 3000, cooldownDuration: 30_000 })));
    return set;
  }

  return {
    async verify(authorization, audience) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (!token) throw new JwtRejected('no bearer token');
      let header: ReturnType<typeof decodeProtectedHeader>;
      let iss: unknown;
      try {
        header = decodeProtectedHeader(token);
        iss = decodeJwt(token).iss;
      } catch {
        throw new JwtRejected('malformed token');
      }
      if (!header.alg || !(ACCEPTED_ALGORITHMS as readonly string[]).includes(header.alg)) throw new JwtRejected('algorithm refused');
      const issuer = opts.trustedIssuers.find((t) => t.iss === iss);
      if (!issuer) throw new JwtRejected('untrusted issuer');
      if (header.jku !== undefined && header.jku !== issuer.jwks_url) throw new JwtRejected('jku does not match the configured JWKS');
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keySetFor(issuer.jwks_url), {
          issuer: issuer.iss,
          audience,
          algorithms: [...ACCEPTED_ALGORITHMS],
          requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
          clockTolerance: CLOCK_TOLERANCE_S,
          maxTokenAge: MAX_TOKEN_AGE,
          currentDate: new Date(now()),
        }));
      } catch (err) {
        throw new JwtRejected('verification failed', { cause: err });
      }
      // Remembered until the token could no longer be used anyway (exp plus the clock tolerance).
      const key = JSON.stringify([issuer.iss, String(payload.jti)]);
      if (!(await replay.firstUse(key, ((payload.exp ?? 0) + CLOCK_TOLERANCE_S) * 1000))) throw new JwtRejected('jti replayed');
      return { iss: issuer.iss, sub: payload.sub, jti: String(payload.jti) };
    },
  };
}
