// SMART scope handling on the app side: v2 → v1 fallback, EHR vs standalone launch scopes, and
// reading what the token actually granted (servers may grant less than asked: the app must check).
// Pure functions, unit-tested.

const CLINICAL = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?.*)?$/;

/** v2 `patient/Condition.rs` → v1 `patient/Condition.read`; non-clinical scopes pass through. */
export function toV1(scope: string): string {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => {
      const m = CLINICAL.exec(s);
      if (!m) return s;
      const [, level, type, perm] = m;
      if (perm === 'read' || perm === 'write' || perm === '*') return `${level}/${type}.${perm}`;
      return `${level}/${type}.${/[rs]/.test(perm ?? '') ? 'read' : 'write'}`;
    })
    .filter((s, i, all) => all.indexOf(s) === i)
    .join(' ');
}

/** The scopes to request: EHR launch keeps `launch`; standalone asks for `launch/patient` instead. */
export function scopesFor(scope: string, opts: { standalone: boolean; v2: boolean }): string {
  let list = scope.split(/\s+/).filter(Boolean);
  if (opts.standalone) {
    list = list.filter((s) => s !== 'launch');
    if (!list.includes('launch/patient')) list.unshift('launch/patient');
  } else if (!list.includes('launch')) {
    list.unshift('launch');
  }
  const joined = list.join(' ');
  return opts.v2 ? joined : toV1(joined);
}

/** Does some clinical scope in `granted` cover `type` with a permission `allows` accepts? */
function grants(granted: string, type: string, allows: (perm: string) => boolean): boolean {
  return granted
    .split(/\s+/)
    .map((s) => CLINICAL.exec(s))
    .some((m) => {
      if (!m) return false;
      const [, , t, perm = ''] = m;
      return (t === '*' || t === type) && allows(perm);
    });
}

const V2_PERMS = /^c?r?u?d?s?$/;

/** Can the granted scope string read (v1 read / v2 r or s) resources of this type? */
export function canRead(granted: string, type: string): boolean {
  return grants(granted, type, (perm) => perm === 'read' || perm === '*' || (V2_PERMS.test(perm) && /[rs]/.test(perm)));
}

/** Can the granted scope string create (c) or update (u) resources of this type (v1 write, v2 c/u)? */
export function canWrite(granted: string | undefined, type: string, op: 'c' | 'u'): boolean {
  if (granted === undefined) return true; // a server that does not echo `scope` granted what was asked (RFC 6749 §5.1)
  return grants(granted, type, (perm) => perm === 'write' || perm === '*' || (V2_PERMS.test(perm) && perm.includes(op)));
}

export function missingReads(granted: string | undefined, types: readonly string[]): string[] {
  // A server that does not echo `scope` granted what was asked (RFC 6749 §5.1).
  if (granted === undefined) return [];
  return types.filter((t) => !canRead(granted, t));
}
