// Closing the documentation loop from the card (Da Vinci CRD 2.x and DTR 2.1), as pure functions the
// card and coverage-information builders call:
//   questionnaireCanonical(engine, d)    the documentation questionnaire a documentation-needed
//                                        determination asks for (criteria/questionnaire.ts), as a
//                                        version-specific canonical under the DTR base
//   questionnaireExtension(canonical)    CRD ext-coverage-information's `questionnaire` sub-extension
//                                        (crd-ci-q1: only beside `doc-needed`)
//   withQuestionnaire(action, canonical) the same, added to a coverage-information systemAction
//   documentationLink(d, …)              the "Complete documentation" SMART link; its appContext is the
//                                        DTR launch context (DTR §Launching DTR: the order, the
//                                        coverage, and the questionnaire or a response to continue)
// CRD 2.x §SMART App response type says DTR itself is launched from the coverage information, not
// from a link; the link is this product's own way into its form, and carries the same context.
import type { Extension, Resource } from '@medplum/fhirtypes';
import type { Determination } from '../criteria/model';
import type { Action, Engine, Link } from './types';

/** CRD 2.x StructureDefinition ext-coverage-information (the same URL coverage-information.ts writes). */
const COVERAGE_INFORMATION_URL = 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';

/** Where the DTR payer endpoints live, under the public base: `${PUBLIC_BASE_URL}/dtr`. */
export const DTR_PATH = '/dtr';
export const dtrBaseUrl = (publicBaseUrl: string): string => `${publicBaseUrl.replace(/\/+$/, '')}${DTR_PATH}`;

/** The DTR launch context the link carries (a JSON string, as CDS Hooks links carry appContext). */
export interface DtrAppContext {
  /** "ServiceRequest/…": the order the documentation is for. */
  order: string;
  /** "Coverage/…": the coverage it is for, when the record has one. */
  coverage?: string;
  /** The questionnaire to complete, `url|version`. */
  questionnaire?: string;
  /** "QuestionnaireResponse/…": a saved, unfinished response to continue. */
  response?: string;
}

/** The canonical of the documentation questionnaire for a determination, or undefined when there is nothing to ask. */
export function questionnaireCanonical(engine: Pick<Engine, 'documentation'>, d: Determination): string | undefined {
  if (d.outcome !== 'documentation-needed') return undefined;
  return engine.documentation?.(d)?.canonical;
}

/** CRD coverage-information `questionnaire` (valueCanonical); CRD's crd-ci-q1 allows it only with `doc-needed`. */
export function questionnaireExtension(canonical: string): Extension {
  return { url: 'questionnaire', valueCanonical: canonical };
}

/**
 * A coverage-information systemAction (coverageInformation()) with the questionnaire added to its
 * extension. Unchanged when there is no canonical, or when the assertion has no `doc-needed`.
 */
export function withQuestionnaire(action: Action, canonical: string | undefined): Action {
  if (!canonical || !action.resource) return action;
  const resource = action.resource as Resource & { extension?: Extension[] };
  const extension = (resource.extension ?? []).map((e) => {
    if (e.url !== COVERAGE_INFORMATION_URL) return e;
    const parts = e.extension ?? [];
    if (!parts.some((p) => p.url === 'doc-needed') || parts.some((p) => p.url === 'questionnaire' && p.valueCanonical === canonical)) return e;
    // Before `date`, so the sub-extensions keep the order the StructureDefinition lists them in.
    const at = parts.findIndex((p) => p.url === 'date');
    const next = [...parts];
    next.splice(at < 0 ? next.length : at, 0, questionnaireExtension(canonical));
    return { ...e, extension: next };
  });
  return { ...action, resource: { ...resource, extension } as Resource };
}

/** The appContext string for a DTR launch of the product's app. */
export function dtrAppContext(ctx: DtrAppContext): string {
  return JSON.stringify({
    order: ctx.order,
    ...(ctx.coverage ? { coverage: ctx.coverage } : {}),
    ...(ctx.questionnaire ? { questionnaire: ctx.questionnaire } : {}),
    ...(ctx.response ? { response: ctx.response } : {}),
  });
}

/** "Complete documentation": a SMART link into the app's form for this order, or undefined when nothing is to be documented. */
export function documentationLink(d: Determination, opts: { publicBaseUrl: string; canonical?: string; response?: string }): Link | undefined {
  if (d.outcome !== 'documentation-needed' || (!opts.canonical && !opts.response)) return undefined;
  return {
    label: 'Complete documentation',
    url: `${opts.publicBaseUrl.replace(/\/+$/, '')}/launch.html`,
    type: 'smart',
    appContext: dtrAppContext({ order: d.order.reference, coverage: d.coverage?.reference, questionnaire: opts.canonical, response: opts.response }),
  };
}
