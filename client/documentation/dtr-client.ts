// The app as a DTR client (Da Vinci DTR 2.1 §Retrieving Questionnaire Packages, §Storing
// QuestionnaireResponses), without React: fetch the questionnaire package for the order and coverage,
// find a saved unfinished response to resume, keep an unsaved one in this tab, and turn answers that
// are naturally Observations (a pain score) into Observations to write beside the response.
import type { fhir4 } from '../fhir-types';
import { DTR, type BuiltQuestionnaire, type PolicyLibrary } from '../../criteria';

type Json = Record<string, unknown>;

/** The product's DTR endpoint, beside the app (`${PUBLIC_BASE_URL}/dtr`, cds-hooks/dtr.ts). */
export const dtrBase = (location: Location = window.location): string => `${location.origin}/dtr`;

/** "Practitioner/x" from a fhirUser claim (absolute or relative); undefined when it names no user. */
export function authorOf(fhirUser: string | undefined): string | undefined {
  const m = fhirUser ? /(?:^|\/)((?:Practitioner|PractitionerRole|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64})$/.exec(fhirUser) : null;
  return m?.[1];
}

const contextOf = (qr: Json): string[] =>
  ((qr.extension as Json[] | undefined) ?? []).filter((e) => e?.url === DTR.context).map((e) => String((e.valueReference as Json | undefined)?.reference ?? ''));

/** The latest in-progress response to this questionnaire for this order (DTR: relaunch to continue a session). */
export function findResume(resources: fhir4.Resource[], canonical: string, order: string): Json | undefined {
  return (resources as unknown as Json[])
    .filter((r) => r.resourceType === 'QuestionnaireResponse' && r.status === 'in-progress' && r.questionnaire === canonical && contextOf(r).includes(order))
    .sort((a, b) => String(b.authored ?? '').localeCompare(String(a.authored ?? '')))[0];
}

export interface PackageResult {
  questionnaire?: Json;
  warnings: string[];
}

/** POST [base]/Questionnaire/$questionnaire-package with the coverage, the order and the questionnaire canonical. */
export async function fetchPackage(base: string, input: { coverage?: fhir4.Resource; order: fhir4.Resource; canonical: string; patient: fhir4.Resource }): Promise<PackageResult> {
  const parameter: Json[] = [
    ...(input.coverage ? [{ name: 'coverage', resource: input.coverage }] : []),
    { name: 'order', resource: input.order },
    { name: 'questionnaire', valueCanonical: input.canonical },
    { name: 'referenced', resource: input.patient },
  ];
  const res = await fetch(`${base}/Questionnaire/$questionnaire-package`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });
  const body = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) {
    const text = ((body.issue as Json[] | undefined)?.[0]?.details as Json | undefined)?.text;
    return { warnings: [`The questionnaire package could not be had (${res.status}${text ? `: ${String(text)}` : ''}).`] };
  }
  const params = (body.parameter as Json[] | undefined) ?? [];
  const bundle = params.find((p) => p.name === 'PackageBundle')?.resource as Json | undefined;
  const questionnaire = ((bundle?.entry as Json[] | undefined)?.[0]?.resource as Json | undefined) ?? undefined;
  const outcome = params.find((p) => p.name === 'operationOutcome')?.resource as Json | undefined;
  const warnings = ((outcome?.issue as Json[] | undefined) ?? [])
    .filter((i) => i.severity === 'warning' || i.severity === 'error')
    .map((i) => String((i.details as Json | undefined)?.text ?? 'warning'));
  return { questionnaire: questionnaire?.resourceType === 'Questionnaire' ? questionnaire : undefined, warnings };
}

type Item = { linkId?: string; answer?: Json[]; item?: Item[] };
function answersIn(items: Item[] | undefined, out = new Map<string, Json>()): Map<string, Json> {
  for (const it of items ?? []) {
    if (it.linkId && it.answer?.[0]) out.set(it.linkId, it.answer[0]);
    answersIn(it.item, out);
  }
  return out;
}

/** The Observations the answers stand for (the fact catalogue's question.observation: a pain score), derived from the response. */
export function observationsFrom(lib: PolicyLibrary, built: BuiltQuestionnaire, qr: Json, ctx: { subject: string; author: string; authored: string; response?: string }): fhir4.Observation[] {
  const answers = answersIn(qr.item as Item[] | undefined);
  return built.facts.flatMap((fact) => {
    const spec = lib.facts.get(fact);
    const obs = spec?.question.observation;
    const answer = answers.get(fact);
    const value = answer?.valueInteger ?? answer?.valueDecimal;
    if (!obs || typeof value !== 'number') return [];
    return [
      {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
        code: { coding: [obs.code], text: spec!.label },
        subject: { reference: ctx.subject },
        effectiveDateTime: ctx.authored,
        issued: ctx.authored,
        performer: [{ reference: ctx.author }],
        valueQuantity: { value, ...(obs.unit ?? {}) },
        ...(ctx.response ? { derivedFrom: [{ reference: ctx.response }] } : {}),
        note: [{ text: `Recorded with the documentation form: ${spec!.question.text}` }],
      } as fhir4.Observation,
    ];
  });
}

/** An unsaved response is kept in this tab only (sessionStorage), never sent anywhere else. */
export const draftKey = (patient: string, order: string) => `sij-necessity:documentation:${patient}:${order}`;
export function keepInTab(key: string, qr: Json): boolean {
  try {
    window.sessionStorage.setItem(key, JSON.stringify(qr));
    return true;
  } catch {
    return false;
  }
}
export function loadFromTab(key: string): Json | undefined {
  try {
    const text = window.sessionStorage.getItem(key);
    return text ? (JSON.parse(text) as Json) : undefined;
  } catch {
    return undefined;
  }
}
export function forgetInTab(key: string): void {
  try {
    window.sessionStorage.removeItem(key);
  } catch {
    /* nothing kept */
  }
}
