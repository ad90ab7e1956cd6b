// SMART scope grammar for the sandbox authorization server and its FHIR guard.
// Understands v1 (`patient/Condition.read`) and v2 (`patient/Condition.rs?category=x`) clinical scopes,
// plus the launch/identity scopes. Pure functions: parsing, validating, and "does this scope allow X".

export const IDENTITY_SCOPES = ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'] as const;

export interface ClinicalScope {
  raw: string;
  level: 'patient' | 'user' | 'system';
  /** A resource type, or '*'. */
  type: string;
  /** v2 letters (c r u d s) the scope grants; v1 `read` becomes r+s, `write` c+u+d, `*` all. */
  ops: Set<string>;
  version: 1 | 2;
}

const CLINICAL = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)(\?.*)?$/;

export function parseClinicalScope(raw: string): ClinicalScope | undefined {
  const m = CLINICAL.exec(raw);
  if (!m || !m[3]) return undefined;
  const [, level, type, perm] = m;
  let ops: string[];
  let version: 1 | 2 = 2;
  if (perm === 'read') [ops, version] = [['r', 's'], 1];
  else if (perm === 'write') [ops, version] = [['c', 'u', 'd'], 1];
  else if (perm === '*') [ops, version] = [['c', 'r', 'u', 'd', 's'], 1];
  else ops = perm.split('');
  return { raw, level: level as ClinicalScope['level'], type: type as string, ops: new Set(ops), version };
}

/** Keeps the scopes the sandbox understands, in order, without duplicates. */
export function sanitiseScopes(requested: string): string[] {
  const out: string[] = [];
  for (const s of requested.split(/\s+/).filter(Boolean)) {
    const known = (IDENTITY_SCOPES as readonly string[]).includes(s) || parseClinicalScope(s) !== undefined;
    if (known && !out.includes(s)) out.push(s);
  }
  return out;
}

/** Does a granted scope string let the bearer perform `op` (r, s, c, u, d) on `type`? */
export function scopeAllows(scope: string, type: string, op: string): boolean {
  return scope
    .split(/\s+/)
    .map(parseClinicalScope)
    .some((s) => s !== undefined && (s.type === '*' || s.type === type) && s.ops.has(op));
}

/** True when every clinical scope granted is patient-level (the token is bound to one patient). */
export function isPatientLevel(scope: string): boolean {
  const clinical = scope.split(/\s+/).map(parseClinicalScope).filter((s) => s !== undefined);
  return clinical.length > 0 && clinical.every((s) => s.level === 'patient');
}
