// With client/launch-start.ts, the only modules that touch fhirclient. Their jobs:
//   startLaunch()  on launch.html (launch-start.ts, so that page loads no engine): choose v2 or v1
//                  scopes from the server's smart-configuration, then FHIR.oauth2.authorize (EHR
//                  launch with `launch`+`iss`, standalone with `iss` only)
//   connect()      on /app/: FHIR.oauth2.ready, then the launch context (patient, appContext, fhirContext)
//   loadRecord()   every page of every search the determination needs, for the launch patient, kept
//                  to that patient's own resources (client/own-record.ts), with the payers and the
//                  practitioners who ordered (the letter's addressees)
//   readUser()     the signed-in user (fhirUser), who signs the letter
// Errors leave as AppErrors (client/errors.ts).
import type { fhir4 } from './fhir-types';
import FHIR from 'fhirclient';
import { REQUIRED_TYPES } from './config';
import { AppError, toAppError } from './errors';
import { ownRecord } from './own-record';
import { missingReads } from './scopes';

/** Resources per search page asked for (servers may return fewer; every page is read). */
const PAGE_SIZE = 1000;

type Resource = fhir4.Resource;
type FhirClient = Awaited<ReturnType<typeof FHIR.oauth2.ready>>;

export interface SmartSession {
  fhirBase: string;
  patientId: string;
  /** The scope string the token response granted (undefined when the server did not say). */
  grantedScope?: string;
  /** The order to open, from appContext {"order": "ServiceRequest/x"} or fhirContext. */
  contextOrder?: string;
  appContext?: string;
  fhirUser?: string;
  client: FhirClient;
}

export interface PatientRecord {
  patient: fhir4.Patient;
  resources: Resource[];
  /** Searches that failed but were not essential; criteria that need them will show unknown. */
  warnings: string[];
  counts: Record<string, number>;
}

// launch.html's half (startLaunch, lastServer) is its own module, so the launch page loads no engine.
export { lastServer, startLaunch } from './launch-start';

/** What the URL and session storage say about how the app was opened, before ready() runs. */
function launchEvidence(): { hasCallback: boolean; hasSession: boolean; authError?: string } {
  const q = new URLSearchParams(window.location.search);
  const authError = q.get('error') ? [q.get('error'), q.get('error_description')].filter(Boolean).join(': ') : undefined;
  let hasSession = false;
  try {
    hasSession = !!window.sessionStorage.getItem('SMART_KEY');
  } catch {
    /* storage blocked: treated as no session */
  }
  return { hasCallback: q.has('code') || q.has('state'), hasSession, authError };
}

export async function connect(): Promise<SmartSession> {
  const q = new URLSearchParams(window.location.search);
  const launchError = q.get('launch_error');
  if (launchError) throw new AppError('no-launch', launchError);
  const evidence = launchEvidence();
  if (evidence.authError) throw toAppError(new Error(evidence.authError), 'signing in');
  if (!evidence.hasCallback && !evidence.hasSession) {
    throw new AppError('no-launch', 'The app was opened directly, not launched from an EHR or a SMART launcher.');
  }
  let client: FhirClient;
  try {
    client = await FHIR.oauth2.ready();
  } catch (err) {
    throw toAppError(err, 'completing the sign-in');
  }
  const token = (client.state.tokenResponse ?? {}) as Record<string, unknown>;
  const patientId = client.getPatientId();
  if (!patientId) {
    throw new AppError('no-patient', 'The launch did not say which patient to open (no patient in the token response).');
  }
  const grantedScope = typeof token.scope === 'string' ? token.scope : undefined;
  const missing = missingReads(grantedScope, REQUIRED_TYPES);
  if (missing.length > 0) {
    throw new AppError(
      'scopes',
      'The EHR did not grant read access the determination needs.',
      `Granted: ${grantedScope || '(nothing)'}`,
      missing.map((t) => `patient/${t}.rs (read ${t})`),
    );
  }
  const appContext = typeof token.appContext === 'string' ? token.appContext : token.appContext ? JSON.stringify(token.appContext) : undefined;
  return {
    fhirBase: client.state.serverUrl,
    patientId,
    grantedScope,
    appContext,
    contextOrder: contextOrder(appContext, token.fhirContext),
    fhirUser: client.getFhirUser() ?? undefined,
    client,
  };
}

/** appContext `{"order":"ServiceRequest/x"}` first, then the first ServiceRequest in fhirContext. */
export function contextOrder(appContext: string | undefined, fhirContext: unknown): string | undefined {
  if (appContext) {
    try {
      const parsed = JSON.parse(appContext) as { order?: unknown };
      if (typeof parsed.order === 'string' && /^(ServiceRequest|MedicationRequest)\//.test(parsed.order)) return parsed.order;
    } catch {
      if (/^(ServiceRequest|MedicationRequest)\/[A-Za-z0-9\-.]+$/.test(appContext.trim())) return appContext.trim();
    }
  }
  if (Array.isArray(fhirContext)) {
    for (const c of fhirContext as { reference?: unknown }[]) {
      if (typeof c?.reference === 'string' && /^(ServiceRequest|MedicationRequest)\//.test(c.reference)) return c.reference;
    }
  }
  return undefined;
}

const SEARCHES: Record<string, (id: string) => string> = {
  Condition: (id) => `Condition?patient=${id}`,
  Procedure: (id) => `Procedure?patient=${id}`,
  ServiceRequest: (id) => `ServiceRequest?patient=${id}`,
  Observation: (id) => `Observation?patient=${id}`,
  Coverage: (id) => `Coverage?beneficiary=${id}`,
  MedicationRequest: (id) => `MedicationRequest?patient=${id}`,
  MedicationStatement: (id) => `MedicationStatement?patient=${id}`,
  Encounter: (id) => `Encounter?patient=${id}`,
  DiagnosticReport: (id) => `DiagnosticReport?patient=${id}`,
  QuestionnaireResponse: (id) => `QuestionnaireResponse?patient=${id}`,
};

/** Reads the patient's record: the Patient, every page of each search, and the Coverage payors. */
export async function loadRecord(session: SmartSession, onProgress?: (done: number, total: number) => void): Promise<PatientRecord> {
  const { client, patientId } = session;
  const id = encodeURIComponent(patientId);
  const warnings: string[] = [];
  const counts: Record<string, number> = {};
  const types = Object.keys(SEARCHES);
  let done = 0;
  // Every read that needs nothing else starts at once: each round trip is paid in launch time, and on a
  // real EHR it is tens to hundreds of milliseconds. The payers follow the Coverage search alone.
  const patientRead = client.request<fhir4.Patient>(`Patient/${id}`);
  const searches = types.map(async (type): Promise<Resource[]> => {
    const essential = (REQUIRED_TYPES as readonly string[]).includes(type);
    if (!essential && missingReads(session.grantedScope, [type]).length > 0) {
      warnings.push(`${type}: not granted by the EHR, so criteria that need it may show unknown.`);
      return [];
    }
    try {
      // pageLimit 0 follows every `next` link; flat returns the resources, not the bundles. Large pages:
      // servers cap _count to what they allow, and each round trip is paid in launch time.
      const found = await client.request<Resource[]>(`${SEARCHES[type]?.(id)}&_count=${PAGE_SIZE}`, { pageLimit: 0, flat: true });
      const list = (Array.isArray(found) ? found : []).filter((r) => r?.resourceType === type);
      counts[type] = list.length;
      return list;
    } catch (err) {
      const appErr = toAppError(err, `reading ${type}`);
      if (essential || appErr.kind === 'session') throw appErr;
      warnings.push(`${type}: ${appErr.message} Criteria that need it may show unknown.`);
      return [];
    } finally {
      onProgress?.(++done, types.length);
    }
  });
  const payers = searches[types.indexOf('Coverage')]!.then((coverages) => readPayers(session, coverages as fhir4.Coverage[], warnings));
  const rest = Promise.all([Promise.all(searches), payers]);
  rest.catch(() => undefined); // a failed read is reported below, after the patient's own
  const patient = await patientRead.catch((err: unknown) => {
    throw toAppError(err, 'reading the patient');
  });
  const [results, organizations] = await rest;
  const resources: Resource[] = [patient, ...results.flat(), ...organizations];
  resources.push(...(await orderingPractitioners(session, resources, warnings)));
  const own = ownRecord(patientId, resources);
  warnings.push(...own.warnings);
  for (const type of Object.keys(counts)) counts[type] = own.resources.filter((r) => r.resourceType === type).length;
  counts.Organization = own.resources.filter((r) => r.resourceType === 'Organization').length;
  return { patient, resources: own.resources, warnings, counts };
}

/** The Coverages' payor Organizations, read together; one that cannot be read only warns. */
async function readPayers(session: SmartSession, coverages: fhir4.Coverage[], warnings: string[]): Promise<fhir4.Organization[]> {
  if (missingReads(session.grantedScope, ['Organization']).length > 0) return [];
  const refs = new Set(
    coverages
      .flatMap((c) => c.payor ?? [])
      .map((p) => p.reference)
      .filter((ref): ref is string => !!ref && ref.startsWith('Organization/')),
  );
  const read = await Promise.all(
    [...refs].map(async (ref) => {
      const org = await session.client.request<fhir4.Organization>(ref).catch(() => undefined);
      if (org?.resourceType === 'Organization') return org;
      warnings.push(`${ref}: the payer organisation could not be read; the payer is taken from Coverage.payor.display.`);
      return undefined;
    }),
  );
  return read.filter((o): o is fhir4.Organization => !!o);
}

/** The most practitioners read for letters: orders name one requester each, and a record has a few orders. */
const MAX_REQUESTERS = 20;
const PERSON = /^(Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/;

/** The orders' requesters (Practitioner, or PractitionerRole and its Practitioner), to address the letter; reads that fail only warn. */
async function orderingPractitioners(session: SmartSession, resources: Resource[], warnings: string[]): Promise<Resource[]> {
  const refs = new Set(
    resources
      .filter((r): r is fhir4.ServiceRequest | fhir4.MedicationRequest => r.resourceType === 'ServiceRequest' || r.resourceType === 'MedicationRequest')
      .map((r) => r.requester?.reference)
      .filter((ref): ref is string => !!ref && PERSON.test(ref)),
  );
  if (refs.size === 0) return [];
  const granted = (ref: string) => missingReads(session.grantedScope, [ref.split('/')[0]!]).length === 0;
  if (![...refs].some(granted)) {
    warnings.push('Practitioner: not granted by the EHR, so the letter is addressed to the ordering practitioner without a name.');
    return [];
  }
  const read = async (ref: string) => session.client.request<Resource>(ref).then((r) => (r?.resourceType === ref.split('/')[0] ? r : undefined), () => undefined);
  const found: Resource[] = [];
  for (const ref of [...refs].filter(granted).slice(0, MAX_REQUESTERS)) {
    const person = await read(ref);
    if (!person) {
      warnings.push(`${ref}: the ordering practitioner could not be read; the letter is addressed without a name.`);
      continue;
    }
    found.push(person);
    const practitioner = person.resourceType === 'PractitionerRole' ? (person as fhir4.PractitionerRole).practitioner?.reference : undefined;
    const behind = practitioner && PERSON.test(practitioner) && granted(practitioner) ? await read(practitioner) : undefined;
    if (behind) found.push(behind);
  }
  return found;
}

/** The signed-in user (the token's fhirUser) when it is a practitioner the server lets the app read; undefined otherwise. */
export async function readUser(session: SmartSession): Promise<fhir4.Practitioner | fhir4.PractitionerRole | undefined> {
  const ref = session.fhirUser?.replace(/^.*?\b((?:Practitioner|PractitionerRole)\/[^/]+)$/, '$1');
  if (!ref || !PERSON.test(ref)) return undefined;
  if (missingReads(session.grantedScope, [ref.split('/')[0]!]).length > 0) return undefined;
  const user = await session.client.request<Resource>(ref).catch(() => undefined);
  return user?.resourceType === 'Practitioner' || user?.resourceType === 'PractitionerRole' ? (user as fhir4.Practitioner | fhir4.PractitionerRole) : undefined;
}

/** Reads one resource for the evidence dialog when it is not already in the loaded record. */
export async function readResource(session: SmartSession, reference: string): Promise<Resource> {
  try {
    return await session.client.request<Resource>(reference);
  } catch (err) {
    throw toAppError(err, `reading ${reference}`);
  }
}

export type WriteResult = { ok: true; resource: Resource } | { ok: false; status?: number; message: string };

/**
 * Writes one resource to the EHR (update when it has an id, else create), for the documentation form
 * (client/documentation/). Never throws: a refusal comes back with its status and the server's own
 * words, so the caller can keep what was not saved and say so.
 */
export async function writeResource(session: SmartSession, resource: Resource): Promise<WriteResult> {
  try {
    const saved = resource.id ? await session.client.update(resource as never) : await session.client.create(resource as never);
    const out = (saved && typeof saved === 'object' ? saved : resource) as Resource;
    return { ok: true, resource: out.resourceType ? out : resource };
  } catch (err) {
    const e = err as { status?: number; message?: string };
    const text = String(e.message ?? err);
    const diagnostics = /"text":\s*"([^"]+)"/.exec(text)?.[1];
    return { ok: false, status: typeof e.status === 'number' ? e.status : undefined, message: diagnostics ?? text.split('\n')[0] ?? 'the EHR did not answer' };
  }
}
