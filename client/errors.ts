// The app's error currency: every failure the user can meet becomes an AppError of a known kind, with
// what happened and what to do, so ErrorScreen never has to guess. `toAppError` normalises whatever
// was thrown (fhirclient's plain Errors and HttpErrors, fetch failures) at the boundary.

export const ERROR_KINDS = [
  'no-launch',
  'session',
  'auth-denied',
  'scopes',
  'no-patient',
  'fhir',
  'engine',
  'unexpected',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly detail?: string,
    /** Extra facts the screen lists (missing scopes, the failing URL, what was read). */
    readonly items: string[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

interface HttpLike {
  status?: number;
  statusCode?: number;
  message?: string;
  response?: { url?: string };
}

/** Maps anything thrown during launch or loading to an AppError. */
export function toAppError(err: unknown, during: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpLike;
  const message = String(e.message ?? err);
  const status = e.status ?? e.statusCode;
  if (/No 'state' parameter|No state found|session.*expired|re-?launch the app/i.test(message) && status === undefined) {
    return new AppError('session', 'Your session for this app is missing or has expired.', message);
  }
  if (/access_denied/i.test(message)) {
    return new AppError('auth-denied', 'Access to the record was refused at sign-in.', message);
  }
  if (/^(invalid_request|invalid_scope|unauthorized_client|server_error|invalid_grant|invalid_client)/i.test(message)) {
    return new AppError('session', 'The EHR refused the launch.', message);
  }
  if (status === 401) {
    return new AppError('session', 'The FHIR server no longer accepts this session (401).', message);
  }
  if (status === 403) {
    return new AppError('scopes', `The FHIR server refused a request while ${during} (403 Forbidden).`, message);
  }
  if (typeof status === 'number') {
    return new AppError('fhir', `The FHIR server answered ${status} while ${during}.`, message, e.response?.url ? [e.response.url] : []);
  }
  if (err instanceof TypeError || /Failed to fetch|NetworkError|network/i.test(message)) {
    return new AppError('fhir', `The FHIR server could not be reached while ${during}.`, message);
  }
  return new AppError('unexpected', `Something went wrong while ${during}.`, message);
}
