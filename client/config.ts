// The SMART app's configuration: client id, scopes, PKCE mode, and the determination letter's
// letterhead (only ever from the server: it is the deployment's, not the build's). One build works against any EHR:
// values come from, in rising precedence, the defaults below, the build (VITE_SMART_CLIENT_ID,
// VITE_SMART_SCOPE), the server (/app-config.js sets window.SMART_APP_CONFIG) and the launch URL's
// query (?client_id=…&scope=…), which a launcher registration can carry.

import type { LetterConfig } from '../common/letter-config';

export type PkceMode = 'ifSupported' | 'required' | 'disabled' | 'unsafeV1';

export interface AppConfig {
  clientId: string;
  /** SMART v2 scopes; the v1 form is derived when the server lacks `permission-v2`. */
  scope: string;
  pkceMode: PkceMode;
  /** Where the authorization server sends the browser back: the app, relative to the launch page. */
  redirectPath: string;
  /** Letterhead, reviewer and appeal text (config/letter.json on the server); absent when the app is served elsewhere. */
  letter?: LetterConfig;
}

declare global {
  interface Window {
    SMART_APP_CONFIG?: Partial<AppConfig>;
  }
}

/** Resource types the determination reads; the app cannot decide without the first group. */
export const REQUIRED_TYPES = ['Patient', 'Condition', 'Procedure', 'ServiceRequest', 'Observation'] as const;
export const OPTIONAL_TYPES = [
  'Coverage',
  'Organization',
  'MedicationRequest',
  'MedicationStatement',
  'Encounter',
  'DiagnosticReport',
  // The ordering practitioner (the letter's addressee) and the signed-in reviewer (fhirUser).
  'Practitioner',
  'PractitionerRole',
  // Documentation answers (Da Vinci DTR): read as evidence, and an unfinished one is resumed.
  'QuestionnaireResponse',
] as const;
export type ReadType = (typeof REQUIRED_TYPES)[number] | (typeof OPTIONAL_TYPES)[number];

/**
 * What the documentation form writes back (DTR §Storing QuestionnaireResponses): the response, and an
 * Observation where an answer is naturally one (a pain score). Without them the app keeps the
 * answers and says what was not saved.
 */
export const WRITE_SCOPES = ['patient/QuestionnaireResponse.cu', 'patient/Observation.c'] as const;

export const DEFAULT_SCOPE = [
  'launch',
  'openid',
  'fhirUser',
  ...[...REQUIRED_TYPES, ...OPTIONAL_TYPES].map((t) => `patient/${t}.rs`),
  ...WRITE_SCOPES,
].join(' ');

export const DEFAULTS: AppConfig = {
  clientId: 'sij-necessity',
  scope: DEFAULT_SCOPE,
  pkceMode: 'ifSupported',
  redirectPath: 'app/',
};

const PKCE_MODES: readonly PkceMode[] = ['ifSupported', 'required', 'disabled', 'unsafeV1'];

export function readConfig(search: string = window.location.search): AppConfig {
  const env = import.meta.env as Record<string, string | undefined>;
  const fromWindow = window.SMART_APP_CONFIG ?? {};
  const query = new URLSearchParams(search);
  const pick = (...values: (string | undefined | null)[]) => values.find((v) => typeof v === 'string' && v.trim() !== '')?.trim();
  const pkce = pick(query.get('pkce'), fromWindow.pkceMode, env.VITE_SMART_PKCE) as PkceMode | undefined;
  return {
    clientId: pick(query.get('client_id'), fromWindow.clientId, env.VITE_SMART_CLIENT_ID) ?? DEFAULTS.clientId,
    scope: pick(query.get('scope'), fromWindow.scope, env.VITE_SMART_SCOPE) ?? DEFAULTS.scope,
    pkceMode: pkce && PKCE_MODES.includes(pkce) ? pkce : DEFAULTS.pkceMode,
    redirectPath: pick(fromWindow.redirectPath) ?? DEFAULTS.redirectPath,
    ...(fromWindow.letter ? { letter: fromWindow.letter } : {}),
  };
}
