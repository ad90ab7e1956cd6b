// The sandbox EHR's payer switch: give a patient another payer, plan type, member id or home state,
// and see the card change. Every change is a real FHIR write (PUT) to the sandbox FHIR server over
// HTTP, with a patient-bound token the sandbox issues for it, so what the CDS service and the app read
// next is exactly what was written. The patient's own resources are remembered before the first
// change, so "restore" puts the record back as it was loaded.
import type { Bundle, Coverage, Organization, Patient, Resource } from '@medplum/fhirtypes';
import type { SmartAuth } from './auth';
import { BenchInputError } from './ehr-hooks';

const SOPT = 'https://nahdo.org/sopt';

/** The payers the bench offers: one per way a policy comes to govern (or not). */
export const BENCH_PAYERS = {
  aetna: { name: 'Aetna', sopt: '5', display: 'PRIVATE HEALTH INSURANCE', note: 'commercial: Aetna CPB 0016 governs' },
  medicare: { name: 'Medicare Part B', sopt: '1', display: 'MEDICARE', note: 'traditional Medicare: the LCD of the patient\u2019s state, if it has one' },
  'medicare-advantage': { name: 'Humana Medicare Advantage', sopt: '11', display: 'MEDICARE MANAGED CARE', note: 'Medicare Advantage: bound to the state\u2019s LCD where there is one' },
  'coordinated-care': { name: 'Coordinated Care', sopt: '5', display: 'PRIVATE HEALTH INSURANCE', note: 'Centene: WA.CP.MP.166 in Washington' },
  'other-commercial': { name: 'Cascade Mutual Health Plan', sopt: '5', display: 'PRIVATE HEALTH INSURANCE', note: 'a commercial payer with no policy on file: the evidence pathway' },
} as const;
export type BenchPayer = keyof typeof BENCH_PAYERS;

/** USPS codes of the states, DC and the territories (a jurisdiction is chosen by these). */
export const STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS',
  'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI',
  'WY', 'PR', 'VI', 'GU', 'AS', 'MP',
] as const;

export interface CoverageSummary {
  patientId: string;
  /** The active coverage's payer, or undefined when the patient has none. */
  payer?: string;
  planType?: string;
  memberId?: string;
  coverage?: string;
  state?: string;
  /** Whether the bench has changed this patient since the sandbox started. */
  changed: boolean;
}

export interface CoverageChange {
  patientId: string;
  /** A bench payer, or "none" for no active coverage; absent leaves the payer as it is. */
  payer?: BenchPayer | 'none';
  memberId?: string;
  state?: string;
}

const SCOPE = 'patient/Patient.rus patient/Coverage.cruds patient/Organization.cru';

export function createCoverageSwitch(deps: { auth: SmartAuth; fhirBase: string; isPatient: (id: string) => boolean }) {
  /** The patient's resources as loaded, before the bench first changed them. */
  const originals = new Map<string, { patient: Patient; coverages: Coverage[] }>();

  async function fhir(patientId: string) {
    const { access_token } = await deps.auth.issueToken({ clientId: 'sandbox-ehr-bench', scope: SCOPE, patient: patientId });
    const request = async <T = Resource>(method: string, path: string, body?: Resource): Promise<T> => {
      const res = await fetch(`${deps.fhirBase}/${path}`, {
        method,
        headers: { authorization: `Bearer ${access_token}`, accept: 'application/fhir+json', ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`${method} ${path.split('?')[0]} answered ${res.status}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    };
    const coverages = async () =>
      ((await request<Bundle<Coverage>>('GET', `Coverage?beneficiary=Patient/${encodeURIComponent(patientId)}&_count=100`)).entry ?? [])
        .map((e) => e.resource)
        .filter((c): c is Coverage => c?.resourceType === 'Coverage');
    return { request, coverages };
  }

  async function summary(patientId: string): Promise<CoverageSummary> {
    const { request, coverages } = await fhir(patientId);
    const patient = await request<Patient>('GET', `Patient/${encodeURIComponent(patientId)}`);
    const active = (await coverages()).find((c) => c.status === 'active');
    const payorRef = active?.payor?.[0];
    let payer = payorRef?.display;
    if (!payer && payorRef?.reference?.startsWith('Organization/')) payer = (await request<Organization>('GET', payorRef.reference).catch(() => undefined))?.name;
    return {
      patientId,
      ...(active ? { payer, planType: active.type?.coding?.[0]?.display ?? active.type?.text, memberId: active.subscriberId, coverage: `Coverage/${active.id}` } : {}),
      state: patient.address?.[0]?.state,
      changed: originals.has(patientId),
    };
  }

  function check(change: CoverageChange): void {
    if (!deps.isPatient(change.patientId)) throw new BenchInputError('Unknown patientId.');
    if (change.payer !== undefined && change.payer !== 'none' && !(change.payer in BENCH_PAYERS)) throw new BenchInputError(`payer must be one of ${[...Object.keys(BENCH_PAYERS), 'none'].join(', ')}.`);
    if (change.state !== undefined && !(STATES as readonly string[]).includes(change.state)) throw new BenchInputError('state must be a two-letter USPS code (e.g. OH).');
    if (change.memberId !== undefined && !/^[A-Za-z0-9-]{1,40}$/.test(change.memberId)) throw new BenchInputError('memberId: letters, digits and hyphens, at most 40.');
  }

  return {
    payers: Object.entries(BENCH_PAYERS).map(([key, p]) => ({ key, name: p.name, note: p.note })),
    states: STATES,
    summary,

    async change(change: CoverageChange): Promise<CoverageSummary> {
      check(change);
      const { patientId } = change;
      const { request, coverages } = await fhir(patientId);
      const patient = await request<Patient>('GET', `Patient/${encodeURIComponent(patientId)}`);
      const current = await coverages();
      if (!originals.has(patientId)) originals.set(patientId, { patient, coverages: current });

      if (change.state !== undefined) {
        const [home, ...rest] = patient.address ?? [];
        await request('PUT', `Patient/${patientId}`, { ...patient, address: [{ ...(home ?? { use: 'home', country: 'US' }), state: change.state }, ...rest] });
      }
      if (change.payer === 'none') {
        for (const c of current.filter((x) => x.status === 'active')) await request('PUT', `Coverage/${c.id}`, { ...c, status: 'cancelled' });
      } else if (change.payer !== undefined || change.memberId !== undefined) {
        const keep = current.find((c) => c.status === 'active') ?? current[0];
        const key = change.payer;
        const payer = key ? BENCH_PAYERS[key] : undefined;
        let payor = keep?.payor;
        if (key && payer) {
          const org: Organization = { resourceType: 'Organization', id: `bench-payer-${key}`, active: true, name: payer.name, type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'ins', display: 'Insurance Company' }] }] };
          await request('PUT', `Organization/${org.id}`, org);
          payor = [{ reference: `Organization/${org.id}`, display: payer.name }];
        }
        const id = keep?.id ?? `bench-coverage-${patientId}`;
        const coverage: Coverage = {
          ...(keep ?? { relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] } }),
          resourceType: 'Coverage',
          id,
          status: 'active',
          beneficiary: { reference: `Patient/${patientId}` },
          payor: payor ?? [{ display: 'Unknown payer' }],
          ...(payer ? { type: { coding: [{ system: SOPT, code: payer.sopt, display: payer.display }] } } : {}),
          subscriberId: change.memberId ?? keep?.subscriberId ?? `BENCH-${patientId.slice(0, 12).toUpperCase()}`,
        };
        await request('PUT', `Coverage/${id}`, coverage);
        // The chosen coverage is the only active one, so it is the one that governs.
        for (const c of current.filter((x) => x.id !== id && x.status === 'active')) await request('PUT', `Coverage/${c.id}`, { ...c, status: 'cancelled' });
      }
      return summary(patientId);
    },

    /** Puts back the Patient and the Coverages as they were before the first change; drops coverages the bench created. */
    async restore(patientId: string): Promise<CoverageSummary> {
      if (!deps.isPatient(patientId)) throw new BenchInputError('Unknown patientId.');
      const saved = originals.get(patientId);
      if (saved) {
        const { request, coverages } = await fhir(patientId);
        await request('PUT', `Patient/${patientId}`, saved.patient);
        for (const c of saved.coverages) await request('PUT', `Coverage/${c.id}`, c);
        for (const c of (await coverages()).filter((x) => !saved.coverages.some((o) => o.id === x.id))) await request('DELETE', `Coverage/${c.id}`);
        originals.delete(patientId);
      }
      return summary(patientId);
    },
  };
}

export type CoverageSwitch = ReturnType<typeof createCoverageSwitch>;
