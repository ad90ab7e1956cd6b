// CDS Hooks 2.0 and Da Vinci CRD shapes this service reads and writes (cds-hooks.hl7.org/2.0:
// "Calling a CDS Service", "CDS Service Response", "Feedback"). Plain data, no behaviour.
import type { Coding, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Determination } from '../criteria/model';

export interface FhirAuthorization {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  subject?: string;
  patient?: string;
}

export interface HookRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: { userId: string; patientId: string; encounterId?: string; draftOrders: DraftOrdersBundle } & Record<string, unknown>;
  prefetch?: Record<string, unknown>;
  extension?: Record<string, unknown>;
}

export interface DraftOrdersBundle {
  resourceType: 'Bundle';
  entry?: { resource?: Resource; fullUrl?: string }[];
}

export interface ServiceDefinition {
  hook: string;
  id: string;
  title: string;
  description: string;
  prefetch: Record<string, string>;
  usageRequirements?: string;
}

/** CDS Hooks 2.0 Action: create/update carry a resource; delete names it by resourceId. */
export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: Resource;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url?: string; icon?: string; topic?: Coding };
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
  extension?: Record<string, unknown>;
}

export interface CdsResponse {
  cards: Card[];
  systemActions?: Action[];
}

export interface EvaluateOptions {
  orders: Resource[];
  asOf?: string;
  /** The service's today (YYYY-MM-DD): an order dated later is judged as of today. */
  today?: string;
}

/** What the engine gives the service; main.ts binds it to the loaded policy library. */
export interface Engine {
  evaluate(resources: Resource[], options: EvaluateOptions): Determination[];
  /** Whether any of these orders is one the engine decides on (nothing is fetched otherwise). */
  inScope(orders: Resource[]): boolean;
  /** The order's in-scope code (what an indeterminate card names), or undefined when it is out of scope. */
  inScopeCode(order: Resource): { system: string; code: string } | undefined;
  renderMarkdown(determination: Determination): string;
  /**
   * The same evaluation off the request thread, stopped when `ms` runs out (resolves undefined). The
   * composition root provides it (server/engine-pool.ts); the hook uses it when it fetched the record,
   * so evaluation sits inside the one deadline with the fetch.
   */
  evaluateWithin?(resources: Resource[], options: EvaluateOptions, ms: number): Promise<Determination[] | undefined>;
  /**
   * The documentation questionnaire a documentation-needed determination asks (Da Vinci DTR; built
   * from the fact catalogue by criteria/questionnaire.ts), or undefined when there is nothing to ask.
   */
  documentation?(determination: Determination): { canonical: string; questionnaire: Record<string, unknown> } | undefined;
}

/** A prefetch key resolved: its resources, or why it could not be had. */
export type PrefetchResult = { key: string; resources: Resource[]; source: 'prefetch' | 'fhirServer' } | { key: string; trouble: string };

export type { OperationOutcome };
