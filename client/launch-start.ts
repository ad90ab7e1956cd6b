// launch.html's half of the SMART launch: find the server's capabilities, pick scopes, and hand over to
// fhirclient's authorize(). Its own module, so the launch page loads fhirclient and the configuration
// only, not the engine or React (client/fhir.ts re-exports it for the app).
import FHIR from 'fhirclient';
import type { AppConfig } from './config';
import { AppError } from './errors';
import { scopesFor } from './scopes';

const LAST_SERVER_KEY = 'sij-necessity:last-iss';

/** The FHIR server the last launch in this browser went to, for "launch again" links. */
export function lastServer(): string | undefined {
  try {
    return window.localStorage.getItem(LAST_SERVER_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** On launch.html: find the server's capabilities, pick scopes, and hand over to authorize(). */
export async function startLaunch(config: AppConfig, location: Location = window.location): Promise<void> {
  const params = new URLSearchParams(location.search);
  const iss = params.get('iss') ?? params.get('fhirServiceUrl');
  if (!iss) throw new AppError('no-launch', 'The launch page was opened without a FHIR server (no "iss" parameter).');
  const standalone = !params.get('launch');
  try {
    window.localStorage.setItem(LAST_SERVER_KEY, iss);
  } catch {
    /* storage blocked: the error screens just cannot offer a one-click relaunch */
  }
  const v2 = await supportsV2(iss);
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope: scopesFor(config.scope, { standalone, v2 }),
    redirectUri: new URL(config.redirectPath, location.href).href,
    pkceMode: config.pkceMode,
    iss,
  });
}

/** SMART v2 scopes only where the server says it speaks them; anything else gets v1 `.read`. */
async function supportsV2(iss: string): Promise<boolean> {
  try {
    const res = await fetch(`${iss.replace(/\/+$/, '')}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
    if (!res.ok) return false;
    const body = (await res.json()) as { capabilities?: unknown };
    return Array.isArray(body.capabilities) && body.capabilities.includes('permission-v2');
  } catch {
    return false;
  }
}
