// The Da Vinci DTR 2.1 payer-side operation: POST [base]/Questionnaire/$questionnaire-package, with
// base = `${PUBLIC_BASE_URL}/dtr` (cds-hooks/dtr.ts). Input: a Parameters resource
// (dtr-qpackage-input-parameters: coverage 1..*, and at least one of order, questionnaire, context);
// output: a Parameters resource (dtr-qpackage-output-parameters) with one PackageBundle per
// questionnaire (DTR-QPackageBundle: the Questionnaire first, a draft QuestionnaireResponse carrying
// the DTR context, and the value sets the questions are defined over) and an operationOutcome for
// warnings. A questionnaire canonical (from CRD coverage information) rebuilds exactly that form; an
// order without one gets its rule's whole form, since this side sees no record. Nothing of the
// record is returned: the draft response names only the caller's own subject, order and coverage.
// GET [base]/Questionnaire/{id} resolves a canonical. Bad input gets a 400 OperationOutcome.
import express from 'express';
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import {
  buildQuestionnaire,
  determine,
  draftResponse,
  policyOf,
  questionnaireFromCanonical,
  valueSetsOf,
  type BuiltQuestionnaire,
  type PolicyLibrary,
} from '../criteria';
import { DTR } from '../criteria/dtr-profiles';
import { allOk, badRequest, getStatus, normalizeError, notFound, OperationOutcomeError } from '../common/outcomes';
import type { Logger } from '../common/logger';
import { jsonBody } from './read-body';
import { DTR_PATH, dtrBaseUrl } from './dtr';

export interface QuestionnairePackageDeps {
  library: PolicyLibrary;
  publicBaseUrl: string;
  logger: Logger;
  now?: () => Date;
}

const ORDER_TYPES = new Set(['ServiceRequest', 'MedicationRequest', 'DeviceRequest', 'NutritionOrder', 'VisionPrescription', 'CommunicationRequest', 'Appointment', 'Encounter', 'SupplyRequest']);

type Issue = OperationOutcomeIssue;
const warning = (text: string, expression?: string): Issue => ({ severity: 'warning', code: 'not-found', details: { text }, ...(expression ? { expression: [expression] } : {}) });
const info = (text: string): Issue => ({ severity: 'information', code: 'informational', details: { text } });

interface Input {
  coverages: Resource[];
  orders: Resource[];
  referenced: Resource[];
  questionnaires: string[];
  context?: string;
}

function parseInput(body: unknown): Input {
  const p = body as Parameters | undefined;
  if (!p || typeof p !== 'object' || Array.isArray(p) || p.resourceType !== 'Parameters') {
    throw new OperationOutcomeError(badRequest('The body must be a FHIR Parameters resource (DTR dtr-qpackage-input-parameters)'));
  }
  if (!Array.isArray(p.parameter) || p.parameter.length === 0) throw new OperationOutcomeError(badRequest('Parameters.parameter must list the coverage and the order or questionnaire', 'Parameters.parameter'));
  const input: Input = { coverages: [], orders: [], referenced: [], questionnaires: [] };
  p.parameter.forEach((param: ParametersParameter, i) => {
    const at = `Parameters.parameter[${i}]`;
    if (!param || typeof param !== 'object' || typeof param.name !== 'string') throw new OperationOutcomeError(badRequest('Each parameter needs a name', at));
    const resource = param.resource as Resource | undefined;
    const isResource = !!resource && typeof resource === 'object' && typeof resource.resourceType === 'string';
    switch (param.name) {
      case 'coverage':
        if (!isResource || resource!.resourceType !== 'Coverage') throw new OperationOutcomeError(badRequest('coverage must carry a Coverage resource', `${at}.resource`));
        input.coverages.push(resource!);
        break;
      case 'order':
        if (!isResource || !ORDER_TYPES.has(resource!.resourceType)) throw new OperationOutcomeError(badRequest('order must carry a request resource (ServiceRequest, MedicationRequest, …) or an Encounter', `${at}.resource`));
        input.orders.push(resource!);
        break;
      case 'referenced':
        if (isResource) input.referenced.push(resource!);
        break;
      case 'questionnaire': {
        const v = param.valueCanonical ?? param.valueUri ?? param.valueString;
        if (typeof v !== 'string' || !v.trim()) throw new OperationOutcomeError(badRequest('questionnaire must carry valueCanonical', `${at}.valueCanonical`));
        input.questionnaires.push(v.trim());
        break;
      }
      case 'context':
        if (typeof param.valueString === 'string') input.context = param.valueString;
        break;
      default:
        break; // changedsince and others: the forms are rebuilt from the library, so each package is current
    }
  });
  if (input.coverages.length === 0) throw new OperationOutcomeError(badRequest('At least one coverage is required (dtr-qpackage-input-parameters: coverage 1..*)', 'Parameters.parameter'));
  if (input.orders.length === 0 && input.questionnaires.length === 0 && input.context === undefined) {
    throw new OperationOutcomeError(badRequest("At least one of 'order', 'questionnaire' and 'context' is required (DTR invariant dtr-1)", 'Parameters.parameter'));
  }
  return input;
}

const refOf = (r: Resource | undefined) => (r?.id ? `${r.resourceType}/${r.id}` : undefined);

function packageBundle(deps: QuestionnairePackageDeps, built: BuiltQuestionnaire, ctx: { subject?: string; order?: string; coverage?: string }, now: Date): Bundle {
  const lib = deps.library;
  const valueSets = [...new Set(built.facts.flatMap((f) => valueSetsOf(lib, lib.facts.get(f)!)))]
    .map((id) => lib.valueSetResource(id))
    .filter((v): v is Record<string, unknown> => !!v);
  const entry: Bundle['entry'] = [{ fullUrl: built.questionnaire.url, resource: built.questionnaire as unknown as Resource }];
  if (ctx.subject && ctx.order) {
    entry.push({ resource: draftResponse(lib, built, { subject: ctx.subject, order: ctx.order, coverage: ctx.coverage }) as unknown as Resource });
  }
  for (const vs of valueSets) entry.push({ fullUrl: String(vs.url), resource: vs as unknown as Resource });
  return { resourceType: 'Bundle', meta: { profile: [DTR.packageBundle] }, type: 'collection', timestamp: now.toISOString(), entry };
}

/** The operation, transport-free: [OperationOutcome, Parameters]. */
export function handleQuestionnairePackage(body: unknown, deps: QuestionnairePackageDeps): [OperationOutcome, Parameters?] {
  try {
    const input = parseInput(body);
    const lib = deps.library;
    const opts = { canonicalBase: dtrBaseUrl(deps.publicBaseUrl) };
    const now = (deps.now ?? (() => new Date()))();
    const issues: Issue[] = [];
    const coverage = input.coverages[0];
    const subject = (coverage as { beneficiary?: { reference?: string } }).beneficiary?.reference;
    const bundles = new Map<string, Bundle>();
    const add = (built: BuiltQuestionnaire, order?: string) => {
      if (!bundles.has(built.canonical)) bundles.set(built.canonical, packageBundle(deps, built, { subject, order, coverage: refOf(coverage) }, now));
    };
    const firstOrder = refOf(input.orders[0]);
    for (const canonical of input.questionnaires) {
      const built = questionnaireFromCanonical(lib, canonical, opts);
      if ('error' in built) issues.push(warning(`Questionnaire ${canonical} cannot be found: ${built.error}`, 'Parameters.parameter.where(name=\'questionnaire\')'));
      else add(built, firstOrder);
    }
    // Orders without a named questionnaire: this side has no record, so each gets its rule's whole form.
    if (input.questionnaires.length === 0 && input.orders.length > 0) {
      const record = [...input.coverages, ...input.referenced];
      const determinations = determine(lib, record, { orders: input.orders, today: now.toISOString().slice(0, 10) });
      for (const o of input.orders) {
        const ref = refOf(o);
        const d = determinations.find((x) => x.order.reference === ref);
        if (!d) {
          issues.push(warning(`${ref ?? o.resourceType} is not an order this service documents (an in-scope sacroiliac or sacral-nerve code is needed)`));
          continue;
        }
        const policy = policyOf(lib, d.policy);
        const rule = policy?.codes[d.order.ruleKey];
        if (!policy || !rule || rule.delegation || (!rule.criteria && !rule.exclusion?.when)) {
          issues.push(info(`${d.order.code.code} under ${d.policy.shortName}: ${d.outcome === 'not-medically-necessary' ? 'not medically necessary whatever the record says, so there is nothing to document' : 'no criteria this service asks about'} (${d.summary}).`));
          continue;
        }
        add(buildQuestionnaire(lib, { policy, policyId: d.policy.id, ruleKey: d.order.ruleKey }, opts), ref);
      }
    }
    if (input.context !== undefined) issues.push(info('The context id is not used to choose forms: the questionnaire canonical from the coverage information, or the order, decides the form.'));
    if (bundles.size > 0) {
      issues.push(info('The value sets are sent as defined (code families and text patterns), not expanded: no terminology service expands them.'));
    }
    const parameter: ParametersParameter[] = [...bundles.values()].map((b) => ({ name: 'PackageBundle', resource: b }));
    if (issues.length > 0) parameter.push({ name: 'operationOutcome', resource: { resourceType: 'OperationOutcome', issue: issues } });
    return [allOk, { resourceType: 'Parameters', meta: { profile: [DTR.outputParameters] }, parameter }];
  } catch (err) {
    const { status, outcome } = normalizeError(err);
    if (status >= 500) deps.logger.error({ err }, '$questionnaire-package failed');
    return [outcome];
  }
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function createDtrRouter(deps: QuestionnairePackageDeps): express.Router {
  const router = express.Router();
  const send = (res: express.Response, [outcome, body]: [OperationOutcome, Resource?]) => {
    const status = getStatus(outcome);
    res.status(status).type(FHIR_JSON).send(JSON.stringify(status < 400 && body ? body : outcome));
  };
  router.post(`${DTR_PATH}/Questionnaire/$questionnaire-package`, jsonBody({ limitBytes: 2 * 1024 * 1024 }), (req, res) => {
    send(res, handleQuestionnairePackage(req.body, deps));
  });
  router.get(`${DTR_PATH}/Questionnaire/:id`, (req, res) => {
    const built = questionnaireFromCanonical(deps.library, `${dtrBaseUrl(deps.publicBaseUrl)}/Questionnaire/${String(req.params.id)}`, { canonicalBase: dtrBaseUrl(deps.publicBaseUrl) });
    if ('error' in built) return send(res, [notFound(built.error)]);
    send(res, [allOk, built.questionnaire as unknown as Resource]);
  });
  return router;
}
