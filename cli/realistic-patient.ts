// One synthetic patient for the realistic export mode (npm run generate-export -- --mode realistic):
// a history assembled from random clinical choices — diagnosis, months of pain, physical therapy,
// drugs, exam manoeuvres, imaging, prior blocks and their relief, the order that stage calls for —
// plus ordinary noise (vitals, unrelated visits, problems and prescriptions). Each patient's
// Coverage names its own payer Organization; practitioners and locations (each Location managed by
// a clinic Organization) are shared across patients. Seeded: the same seed gives the same export.
import { addDays } from '../criteria/dates';

export type Resource = Record<string, unknown> & { resourceType: string; id: string };

/** mulberry32: small, fast and seedable, so an export can be regenerated exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SharedPools {
  practitioners: Resource[];
  locations: Resource[];
  clinics: Resource[];
}

const SYS = {
  icd: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  loinc: 'http://loinc.org',
  rx: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  sct: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  interp: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  obsCat: 'http://terminology.hl7.org/CodeSystem/observation-category',
} as const;

const FAMILIES = ['Ashgrove', 'Brightwater', 'Calloway', 'Dunmore', 'Elderfield', 'Fairhaven', 'Greystone', 'Hollins', 'Ivesdale', 'Juniper', 'Kestrel', 'Larkspur', 'Mistral', 'Northcote', 'Oakhurst', 'Pembrook'];
const GIVEN = ['Avery', 'Blair', 'Casey', 'Dana', 'Emery', 'Finley', 'Harper', 'Jordan', 'Kendall', 'Logan', 'Morgan', 'Parker', 'Quinn', 'Reese', 'Rowan', 'Sawyer'];

/** Payers as a plan would name them; the engine finds the policy from the Organization and Coverage. */
const PAYERS = [
  { name: 'Medicare Part B', sopt: ['1', 'MEDICARE'], states: ['OH', 'KY', 'OH', 'KY', 'TX'], weight: 35 },
  { name: 'Aetna', sopt: ['5', 'PRIVATE HEALTH INSURANCE'], states: ['NJ', 'PA', 'OH', 'CT'], weight: 25 },
  { name: 'Coordinated Care', sopt: ['5', 'PRIVATE HEALTH INSURANCE'], states: ['WA'], weight: 8 },
  { name: 'Sierra Pines Health Cooperative', sopt: ['5', 'PRIVATE HEALTH INSURANCE'], states: ['OR'], weight: 8 },
  { name: 'Lakeshore Community Health Plan', sopt: ['5', 'PRIVATE HEALTH INSURANCE'], states: ['MI'], weight: 8 },
  { name: 'Cascade Mutual Health Plan', sopt: ['5', 'PRIVATE HEALTH INSURANCE'], states: ['WA', 'ID'], weight: 6 },
  { name: '', sopt: ['', ''], states: ['CO', 'AZ', 'NM'], weight: 10 }, // no Coverage in the record
] as const;

const MANOEUVRES = ['FABER (Patrick) test', 'Gaenslen test', 'Thigh thrust test', 'Compression test', 'Distraction test'];

export function sharedPools(patients: number, rand: () => number): SharedPools {
  const clinics: Resource[] = Array.from({ length: Math.max(3, Math.ceil(patients / 2000)) }, (_, i) => ({
    resourceType: 'Organization', id: `clinic-${i}`, active: true, name: `${FAMILIES[i % FAMILIES.length]} Spine and Pain Clinic ${i}`,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
  }));
  const locations: Resource[] = Array.from({ length: Math.max(5, Math.ceil(patients / 500)) }, (_, i) => ({
    resourceType: 'Location', id: `loc-${i}`, status: 'active', name: `Procedure suite ${i}`,
    managingOrganization: { reference: `Organization/clinic-${i % clinics.length}` },
  }));
  const practitioners: Resource[] = Array.from({ length: Math.max(20, Math.ceil(patients / 100)) }, (_, i) => ({
    resourceType: 'Practitioner', id: `pract-${i}`,
    name: [{ family: FAMILIES[Math.floor(rand() * FAMILIES.length)], given: [GIVEN[i % GIVEN.length]], prefix: ['Dr.'] }],
  }));
  return { practitioners, locations, clinics };
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (rand: () => number, p: number) => rand() < p;
const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function weighted<T extends { weight: number }>(rand: () => number, xs: readonly T[]): T {
  let r = rand() * xs.reduce((n, x) => n + x.weight, 0);
  for (const x of xs) if ((r -= x.weight) < 0) return x;
  return xs[xs.length - 1]!;
}

/** Builds one patient's record; `i` makes every id unique within the export. */
export function realisticPatient(i: number, rand: () => number, pools: SharedPools): Resource[] {
  const pid = `rp${i}`;
  const subject = { reference: `Patient/${pid}` };
  const out: Resource[] = [];
  let n = 0;
  const add = (r: Omit<Resource, 'id'> & { resourceType: string }): Resource => {
    const res = { ...r, id: `${pid}-${++n}` } as Resource;
    out.push(res);
    return res;
  };
  const doctor = { reference: `Practitioner/${pick(rand, pools.practitioners).id}` };
  const site = { reference: `Location/${pick(rand, pools.locations).id}` };
  const payer = weighted(rand, PAYERS);
  const state = pick(rand, payer.states);
  const orderDate = addDays('2025-06-01', int(rand, 0, 180));
  const at = (daysBefore: number) => addDays(orderDate, -daysBefore);

  out.push({
    resourceType: 'Patient', id: pid, gender: chance(rand, 0.55) ? 'female' : 'male', birthDate: `${int(rand, 1938, 1996)}-0${int(rand, 1, 9)}-1${int(rand, 0, 9)}`,
    name: [{ use: 'official', family: pick(rand, FAMILIES), given: [pick(rand, GIVEN)] }],
    address: [{ use: 'home', line: [`${int(rand, 1, 999)} Fictional Way`], city: 'Synthville', state, country: 'US' }],
    generalPractitioner: [doctor],
  });
  let coverage: Resource | undefined;
  if (payer.name) {
    // Each member's payer is its own Organization, as exports from many plans and sponsors look.
    out.push({ resourceType: 'Organization', id: `${pid}-payer`, active: true, name: payer.name, type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'ins', display: 'Insurance Company' }] }] });
    coverage = add({
      resourceType: 'Coverage', status: 'active', beneficiary: subject, subscriberId: `SYN-${i}`,
      type: { coding: [{ system: 'https://nahdo.org/sopt', code: payer.sopt[0], display: payer.sopt[1] }] },
      period: { start: at(int(rand, 200, 3000)) }, payor: [{ reference: `Organization/${pid}-payer`, display: payer.name }],
    });
  }

  const scenario = weighted(rand, [
    { kind: 'sij', weight: 62 }, { kind: 'coccyx', weight: 12 }, { kind: 'neurectomy', weight: 6 },
    { kind: 'inflammatory', weight: 6 }, { kind: 'lumbar-only', weight: 14 },
  ] as const).kind;
  const coccyx = scenario === 'coccyx';
  const painDays = int(rand, 30, 1100);
  const bodySite = coccyx
    ? [{ coding: [{ system: SYS.sct, code: '64688005', display: 'Coccyx' }], text: 'Coccyx' }]
    : [{ coding: [{ system: SYS.sct, code: '39723000', display: 'Sacroiliac joint structure' }], text: pick(rand, ['Left sacroiliac joint', 'Right sacroiliac joint', 'Bilateral sacroiliac joints']) }];
  const condition = (code: string, display: string, text: string, withSite: boolean) =>
    add({
      resourceType: 'Condition', subject, onsetDateTime: at(painDays), recordedDate: at(painDays - int(rand, 0, 25)),
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
      code: { coding: [{ system: SYS.icd, code, display }], text }, ...(withSite ? { bodySite } : {}),
    });
  const dx: [string, string][] = [];
  if (scenario === 'lumbar-only' || scenario === 'neurectomy') {
    condition('M47.816', 'Spondylosis without myelopathy or radiculopathy, lumbar region', 'Lumbar spondylosis', false);
    dx.push(['M47.816', 'Spondylosis without myelopathy or radiculopathy, lumbar region']);
  } else if (coccyx) {
    condition('M53.3', 'Sacrococcygeal disorders, not elsewhere classified', chance(rand, 0.8) ? 'Coccydynia' : 'Tailbone pain', true);
    dx.push(['M53.3', 'Sacrococcygeal disorders, not elsewhere classified']);
  } else {
    const [code, display] = pick(rand, [['M46.1', 'Sacroiliitis, not elsewhere classified'], ['M53.3', 'Sacrococcygeal disorders, not elsewhere classified'], ['M53.2X8', 'Spinal instabilities, sacral and sacrococcygeal region']] as const);
    condition(code, display, code === 'M53.3' ? 'sacroiliac joint pain' : display, chance(rand, 0.9));
    dx.push([code, display]);
    if (scenario === 'inflammatory') {
      condition('L40.52', 'Psoriatic spondylitis', 'Psoriatic spondylitis with active sacroiliitis', false);
      dx.push(['L40.52', 'Psoriatic spondylitis']);
    }
  }

  const nrs = (daysBefore: number, value: number, extra: Record<string, unknown> = {}) =>
    add({
      resourceType: 'Observation', status: 'final', subject, effectiveDateTime: `${at(daysBefore)}T10:00:00Z`,
      category: [{ coding: [{ system: SYS.obsCat, code: 'survey' }] }],
      code: { coding: [{ system: SYS.loinc, code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported' }], text: 'Pain score (0-10 NRS)' },
      valueQuantity: { value, unit: '{score}', system: SYS.ucum, code: '{score}' }, ...extra,
    });
  for (let k = int(rand, 0, 4); k >= 0; k--) nrs(int(rand, 3, painDays), int(rand, 3, 9));

  // Conservative care: weekly therapy sessions and drug trials of random length; some have none.
  const ptSessions = chance(rand, 0.15) ? 0 : int(rand, 1, 14);
  const ptStart = int(rand, 60, Math.max(61, painDays));
  const ptCode = coccyx ? ['97140', 'Manual therapy techniques, 1 or more regions, each 15 minutes'] : ['97110', 'Therapeutic procedure, 1 or more areas, each 15 minutes; therapeutic exercises'];
  for (let k = 0; k < ptSessions; k++) {
    add({ resourceType: 'Procedure', status: 'completed', subject, performedDateTime: `${at(Math.max(1, ptStart - 7 * k))}T09:00:00Z`, code: { coding: [{ system: SYS.cpt, code: ptCode[0], display: ptCode[1] }], text: 'Physical therapy session' }, performer: [{ actor: doctor }], location: site });
  }
  const drugs = [['198014', 'naproxen 500 MG Oral Tablet'], ['197806', 'ibuprofen 600 MG Oral Tablet'], ['310431', 'gabapentin 300 MG Oral Capsule']] as const;
  for (let k = chance(rand, 0.15) ? 0 : int(rand, 1, 2); k > 0; k--) {
    const [code, display] = pick(rand, drugs);
    const start = int(rand, 40, Math.max(41, painDays));
    add({ resourceType: 'MedicationRequest', status: 'completed', intent: 'order', subject, requester: doctor, authoredOn: at(start), medicationCodeableConcept: { coding: [{ system: SYS.rx, code, display }], text: display }, dispenseRequest: { validityPeriod: { start: at(start), end: at(Math.max(0, start - int(rand, 14, 180))) } } });
  }

  // Exam: each manoeuvre documented or not, positive or negative; undocumented exams are a common
  // reason for "documentation needed".
  const examDay = int(rand, 5, 60);
  if (!coccyx && chance(rand, 0.75)) {
    for (const m of MANOEUVRES) {
      if (!chance(rand, 0.8)) continue;
      const pos = chance(rand, m === 'Distraction test' ? 0.4 : 0.7);
      add({ resourceType: 'Observation', status: 'final', subject, effectiveDateTime: `${at(examDay)}T10:00:00Z`, category: [{ coding: [{ system: SYS.obsCat, code: 'exam' }] }], code: { text: m }, interpretation: [{ coding: [{ system: SYS.interp, code: pos ? 'POS' : 'NEG', display: pos ? 'Positive' : 'Negative' }] }] });
    }
  }
  if (chance(rand, 0.7)) {
    const stenosis = chance(rand, 0.2);
    add({
      resourceType: 'DiagnosticReport', status: 'final', subject, effectiveDateTime: `${at(int(rand, 60, 400))}T14:00:00Z`,
      code: coccyx && chance(rand, 0.5) ? { coding: [{ system: SYS.cpt, code: '72220', display: 'Radiologic examination, sacrum and coccyx' }], text: 'Dynamic lateral radiographs of the coccyx, standing and sitting' } : { coding: [{ system: SYS.cpt, code: '72148', display: 'Magnetic resonance imaging, spinal canal and contents, lumbar; without contrast material' }] },
      conclusion: coccyx ? (chance(rand, 0.6) ? 'Abnormal coccygeal mobility on sitting films.' : 'No abnormal coccygeal mobility.') : stenosis ? 'Moderate L4-5 central canal stenosis with neural compression.' : 'Mild degenerative disc desiccation. No stenosis, no neural compression. Sacroiliac joints unremarkable.',
    });
  }

  // Prior diagnostic blocks, relief recorded in one of the three ways real records use, or vaguely.
  const blocks = scenario === 'sij' || scenario === 'lumbar-only' ? pick(rand, [0, 0, 0, 1, 1, 2]) : coccyx ? pick(rand, [0, 1]) : scenario === 'neurectomy' ? 2 : 0;
  let lastRelief = 0;
  for (let k = 0; k < blocks; k++) {
    const day = int(rand, 20, 90) + (blocks - 1 - k) * 40;
    const code = coccyx ? ['64999', 'Unlisted procedure, nervous system'] : k === 0 && chance(rand, 0.6) ? ['27096', 'Injection procedure for sacroiliac joint, anesthetic/steroid, with image guidance'] : ['64451', 'Injection(s), anesthetic agent(s) and/or steroid; nerves innervating the sacroiliac joint, with image guidance'];
    const relief = pick(rand, [30, 50, 70, 75, 80, 85, 90]);
    lastRelief = relief;
    const form = int(rand, 0, 3);
    const proc = add({
      resourceType: 'Procedure', status: 'completed', subject, performedDateTime: `${at(day)}T09:30:00Z`, performer: [{ actor: doctor }], location: site,
      code: { coding: [{ system: SYS.cpt, code: code[0], display: code[1] }], text: coccyx ? 'Diagnostic ganglion impar block' : code[0] === '27096' ? 'Intra-articular sacroiliac joint injection' : 'Diagnostic sacral lateral branch blocks' },
      ...(form === 2 ? { outcome: { text: `${relief}% relief of index pain for the duration of the anaesthetic` } } : form === 3 ? { outcome: { text: 'Some relief reported' } } : {}),
    });
    const partOf = [{ reference: `Procedure/${proc.id}` }];
    if (form === 0) {
      const before = int(rand, 6, 9);
      nrs(day, before, { partOf, note: [{ text: 'Pre-injection' }] });
      nrs(day, Math.round(before * (1 - relief / 100)), { partOf, note: [{ text: 'Post-injection' }] });
    } else if (form === 1) {
      add({ resourceType: 'Observation', status: 'final', subject, effectiveDateTime: `${at(day)}T11:00:00Z`, code: { text: 'Percent pain relief after block' }, partOf, valueQuantity: { value: relief, unit: '%', system: SYS.ucum, code: '%' } });
    }
  }

  // Noise: vitals, unrelated visits, problems, prescriptions and office procedures across years.
  const vitals = [['8867-4', 'Heart rate', '/min', 55, 95], ['29463-7', 'Body weight', 'kg', 50, 120], ['39156-5', 'Body mass index', 'kg/m2', 19, 38], ['8310-5', 'Body temperature', 'Cel', 36, 38]] as const;
  for (let k = int(rand, 2, 12); k > 0; k--) {
    const [code, display, unit, lo, hi] = pick(rand, vitals);
    add({ resourceType: 'Observation', status: 'final', subject, effectiveDateTime: `${at(int(rand, 1, 2000))}T08:30:00Z`, category: [{ coding: [{ system: SYS.obsCat, code: 'vital-signs' }] }], code: { coding: [{ system: SYS.loinc, code, display }] }, valueQuantity: { value: int(rand, lo, hi), unit, system: SYS.ucum, code: unit } });
  }
  for (let k = int(rand, 1, 6); k > 0; k--) {
    const day = at(int(rand, 1, 2000));
    add({ resourceType: 'Encounter', status: 'finished', subject, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' }, type: [{ text: pick(rand, ['Annual wellness visit', 'Follow-up visit', 'Acute visit', 'Telephone consult']) }], period: { start: day, end: day }, participant: [{ individual: { reference: `Practitioner/${pick(rand, pools.practitioners).id}` } }], location: [{ location: { reference: `Location/${pick(rand, pools.locations).id}` } }] });
  }
  for (let k = int(rand, 0, 3); k > 0; k--) {
    const [code, display] = pick(rand, [['I10', 'Essential (primary) hypertension'], ['E78.5', 'Hyperlipidemia, unspecified'], ['E11.9', 'Type 2 diabetes mellitus without complications'], ['J06.9', 'Acute upper respiratory infection, unspecified'], ['K21.9', 'Gastro-esophageal reflux disease without esophagitis']] as const);
    add({ resourceType: 'Condition', subject, onsetDateTime: at(int(rand, 100, 3000)), clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: chance(rand, 0.6) ? 'active' : 'resolved' }] }, code: { coding: [{ system: SYS.icd, code, display }] } });
  }
  for (let k = int(rand, 0, 3); k > 0; k--) {
    const [code, display] = pick(rand, [['314076', 'lisinopril 10 MG Oral Tablet'], ['617312', 'atorvastatin 40 MG Oral Tablet'], ['860975', 'metformin hydrochloride 500 MG Oral Tablet']] as const);
    add({ resourceType: 'MedicationRequest', status: pick(rand, ['active', 'completed']), intent: 'order', subject, requester: doctor, authoredOn: at(int(rand, 30, 2000)), medicationCodeableConcept: { coding: [{ system: SYS.rx, code, display }] } });
  }
  for (let k = int(rand, 0, 3); k > 0; k--) {
    const [code, display] = pick(rand, [['99213', 'Office or other outpatient visit, established patient'], ['36415', 'Collection of venous blood by venipuncture'], ['93000', 'Electrocardiogram, routine ECG with at least 12 leads']] as const);
    add({ resourceType: 'Procedure', status: 'completed', subject, performedDateTime: at(int(rand, 10, 2000)), code: { coding: [{ system: SYS.cpt, code, display }] }, location: site });
  }

  // The order this stage of care calls for.
  const encounter = add({ resourceType: 'Encounter', status: 'finished', subject, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' }, type: [{ text: 'Interventional pain clinic visit' }], period: { start: orderDate, end: orderDate }, participant: [{ individual: doctor }], location: [{ location: site }], serviceProvider: { reference: `Organization/${pick(rand, pools.clinics).id}` } });
  const order = (code: string, system: string, display: string, text: string, extra: Record<string, unknown> = {}) =>
    add({
      resourceType: 'ServiceRequest', status: 'draft', intent: 'order', subject, authoredOn: orderDate, encounter: { reference: `Encounter/${encounter.id}` }, requester: doctor,
      code: { coding: [{ system, code, display }], text }, reasonCode: dx.map(([c, d]) => ({ coding: [{ system: SYS.icd, code: c, display: d }], text: d })),
      ...(coverage ? { insurance: [{ reference: `Coverage/${coverage.id}` }] } : {}), ...extra,
    });
  if (coccyx) order('64999', SYS.cpt, 'Unlisted procedure, nervous system', 'Radiofrequency ablation of the ganglion impar / sacrococcygeal nerves (unlisted)');
  else if (scenario === 'neurectomy') {
    order('64772', SYS.cpt, 'Transection or avulsion of other spinal nerve, extradural', 'Endoscopic neurectomy, bilateral S1-S3 lateral branches', { quantityQuantity: { value: 6 } });
  } else if (scenario === 'inflammatory') {
    order('27096', SYS.cpt, 'Injection procedure for sacroiliac joint, anesthetic/steroid, with image guidance', 'Sacroiliac joint glucocorticoid injection with fluoroscopic guidance', { bodySite });
    add({ resourceType: 'MedicationRequest', status: 'draft', intent: 'order', subject, requester: doctor, authoredOn: orderDate, medicationCodeableConcept: { coding: [{ system: SYS.hcpcs, code: 'J1100', display: 'Injection, dexamethasone sodium phosphate, 1 mg' }, { system: SYS.rx, code: '1116927', display: 'dexamethasone phosphate 4 MG/ML Injectable Solution' }], text: 'dexamethasone phosphate 4 MG/ML Injectable Solution' } });
  } else {
    const stage = blocks === 0 ? '27096' : blocks === 1 && lastRelief >= 75 ? '64451' : '64625';
    const text = { '27096': 'Sacroiliac joint injection with fluoroscopic guidance', '64451': 'Sacral lateral branch blocks with fluoroscopic guidance', '64625': 'Radiofrequency ablation, nerves innervating the sacroiliac joint' }[stage];
    order(stage, SYS.cpt, text, text, { bodySite });
    if (stage !== '27096' && chance(rand, 0.2)) order('J1100', SYS.hcpcs, 'Injection, dexamethasone sodium phosphate, 1 mg', 'Dexamethasone sodium phosphate 1 mg (J1100) with the procedure', { quantityQuantity: { value: 10 } });
  }
  if (chance(rand, 0.3)) nrs(int(rand, 1, 14), int(rand, 4, 9));
  return out;
}
