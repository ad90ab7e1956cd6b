// "Try it on any FHIR server": a record with no in-scope order (the Synthea patients of the public
// sandboxes) can still be judged, against a procedure the user picks. The order is a draft
// ServiceRequest built here, in memory, and handed to the engine as `orders` (as CDS Hooks draftOrders
// are): nothing is written to the FHIR server, and every screen that shows the result says it is
// hypothetical. Pure.
import type { PolicyLibrary } from '../criteria';
import type { fhir4 } from './fhir-types';

export const CPT = 'http://www.ama-assn.org/go/cpt';
export const HCPCS = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';

/** The id every hypothetical order carries: it names no resource of the record. */
export const HYPOTHETICAL_ID = 'hypothetical-order';

export interface TryableCode {
  code: string;
  system: string;
  title: string;
  /** An unlisted code means nothing without words: the user must describe the procedure. */
  needsDescription: boolean;
  /** What the engine can read the words as (64999: a coccygeal procedure, a neurectomy…). */
  readings: string[];
}

/** HCPCS Level II codes are a letter and four digits (G0260); CPT codes are five characters that start with a digit. */
export function systemOf(code: string): string {
  return /^[A-Z]\d{4}$/.test(code) ? HCPCS : CPT;
}

/** The procedure codes a ServiceRequest can carry, from the library's triggers (a drug that follows a procedure, J1100, is left out). */
export function tryableCodes(lib: PolicyLibrary): TryableCode[] {
  return [...lib.triggers.byCode.values()]
    .filter((t) => t.resourceTypes.includes('ServiceRequest') && !t.follows && !t.medication)
    .map((t) => ({
      code: t.code,
      system: systemOf(t.code),
      title: t.title,
      needsDescription: t.readings.some((r) => r.text),
      readings: t.readings.filter((r) => r.text).map((r) => r.reading),
    }));
}

export interface HypotheticalChoice {
  code: TryableCode;
  /** The procedure in words (required for an unlisted code, optional otherwise). */
  description?: string;
  /** The planned date of service (YYYY-MM-DD); default: today. */
  dateOfService?: string;
}

/** Why the choice cannot be evaluated, in words for the form; undefined when it can. */
export function choiceProblem(choice: HypotheticalChoice, today: string): string | undefined {
  if (choice.code.needsDescription && !choice.description?.trim()) {
    return `CPT ${choice.code.code} is an unlisted code: describe the procedure (for example “coccygeal nerve block” or “endoscopic neurectomy of the sacral lateral branches”).`;
  }
  const date = choice.dateOfService?.trim();
  if (date && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))) return 'The date of service must be a date (YYYY-MM-DD).';
  if (date && date < '2000-01-01') return 'The date of service must be after 2000.';
  if (date && date > `${Number(today.slice(0, 4)) + 2}${today.slice(4)}`) return 'The date of service must be within two years from today.';
  return undefined;
}

/** The in-memory draft order for the engine: for this patient, dated today, never sent anywhere. */
export function hypotheticalOrder(patientId: string, choice: HypotheticalChoice, today: string): fhir4.ServiceRequest {
  const description = choice.description?.trim();
  const date = choice.dateOfService?.trim();
  return {
    resourceType: 'ServiceRequest',
    id: HYPOTHETICAL_ID,
    status: 'draft',
    intent: 'proposal',
    subject: { reference: `Patient/${patientId}` },
    code: {
      coding: [{ system: choice.code.system, code: choice.code.code, display: choice.code.title }],
      ...(description ? { text: description } : {}),
    },
    authoredOn: today,
    // No note: the order's words are read (64999's reading, a session's phase), so only the user's words go in.
    ...(date ? { occurrenceDateTime: date } : {}),
  };
}
