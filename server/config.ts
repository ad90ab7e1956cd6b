// Configuration: the environment is parsed once, here, with zod, into a frozen Config that every
// other module receives as a value (createApp(config, deps)). Nothing else reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { letterConfigSchema, type LetterConfig } from '../common/letter-config';
import { DEFAULT_FETCH_LIMITS, type FetchLimits } from '../cds-hooks/fhir-fetch';
import type { TrustedIssuer } from '../cds-hooks/jwt';

const trustedIssuer = z.object({ iss: z.string().min(1), jwks_url: z.url() });
export type { TrustedIssuer };

const origin = z.url().transform((u) => new URL(u).origin);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  CDS_AUTH: z.enum(['on', 'off']).default('on'),
  CDS_TRUSTED_ISSUERS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {"iss","jwks_url"}' });
        return z.NEVER;
      }
    })
    .pipe(z.array(trustedIssuer)),
  FHIR_SERVER_ALLOWLIST: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(origin)),
  DATABASE_URL: z.string().min(1).optional(),
  FEEDBACK_DB_PATH: z.string().min(1).default('./data/feedback.db'),
  FHIR_DEADLINE_MS: z.coerce.number().int().positive().default(4000),
  FHIR_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(DEFAULT_FETCH_LIMITS.maxResponseBytes),
  FHIR_MAX_CALL_BYTES: z.coerce.number().int().positive().default(DEFAULT_FETCH_LIMITS.maxCallBytes),
  FHIR_MAX_REQUESTS: z.coerce.number().int().positive().default(DEFAULT_FETCH_LIMITS.maxRequests),
  ISSUED_CARD_RETENTION_DAYS: z.coerce.number().positive().default(90),
  CLIENT_DIST_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX: z.enum(['on', 'off']).default('on'),
  SMART_CLIENT_ID: z.string().min(1).optional(),
  SMART_SCOPE: z.string().min(1).optional(),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  LETTER_CONFIG: z.string().min(1).optional(),
});

/** The letterhead, reviewer and appeal text shipped with the product; LETTER_CONFIG names a deployment's own. */
export const DEFAULT_LETTER_CONFIG = fileURLToPath(new URL('../config/letter.json', import.meta.url));

export interface Config {
  port: number;
  /** Interface to listen on: loopback while the sandbox (anonymous, synthetic data) runs, all otherwise. */
  host: string;
  /** The public origin + path prefix this service is reached at; JWT `aud` and card links are built from it. */
  publicBaseUrl: string;
  cdsAuth: 'on' | 'off';
  trustedIssuers: TrustedIssuer[];
  /** Origins of FHIR servers the service may call back (CDS Hooks fhirServer). */
  fhirServerAllowlist: string[];
  /** Where the embedded sandbox FHIR server is (`${publicBaseUrl}/fhir`) when SANDBOX is on. */
  sandboxFhirBase: string;
  databaseUrl?: string;
  feedbackDbPath: string;
  /** Total time budget for fetching missing prefetch data from fhirServer. */
  fhirDeadlineMs: number;
  /** Byte and request caps on the fallback read, per response and per hook call. */
  fhirLimits: FetchLimits;
  /** Issued cards (the determinations behind feedback) older than this are deleted. */
  issuedCardRetentionDays: number;
  /** Where the built SMART app is served from (default dist/client). */
  clientDistDir?: string;
  logLevel: string;
  /** The embedded sandbox (FHIR server, SMART authorization, EHR page) in this process. */
  sandbox: boolean;
  smartClient: { clientId?: string; scope?: string };
  /** The determination letter's letterhead, reviewer and appeal paragraphs (served to the app in /app-config.js). */
  letter: LetterConfig;
  /** Worker processes serving the endpoint: one per core without the sandbox (its state lives in one process). */
  workers: number;
}

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const sandbox = e.SANDBOX === 'on';
  if (sandbox && (e.WEB_CONCURRENCY ?? 1) > 1) {
    throw new ConfigError('Invalid configuration:\n  WEB_CONCURRENCY: the embedded sandbox keeps its FHIR data and SMART sessions in one process; set SANDBOX=off to run several workers');
  }
  const letter = readLetterConfig(e.LETTER_CONFIG ?? DEFAULT_LETTER_CONFIG, e.LETTER_CONFIG ? 'LETTER_CONFIG' : 'config/letter.json');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    publicBaseUrl,
    cdsAuth: e.CDS_AUTH,
    trustedIssuers: e.CDS_TRUSTED_ISSUERS,
    fhirServerAllowlist: e.FHIR_SERVER_ALLOWLIST,
    sandboxFhirBase: `${publicBaseUrl}/fhir`,
    databaseUrl: e.DATABASE_URL,
    feedbackDbPath: e.FEEDBACK_DB_PATH,
    fhirDeadlineMs: e.FHIR_DEADLINE_MS,
    fhirLimits: { maxResponseBytes: e.FHIR_MAX_RESPONSE_BYTES, maxCallBytes: e.FHIR_MAX_CALL_BYTES, maxRequests: e.FHIR_MAX_REQUESTS },
    issuedCardRetentionDays: e.ISSUED_CARD_RETENTION_DAYS,
    clientDistDir: e.CLIENT_DIST_DIR,
    logLevel: e.LOG_LEVEL,
    sandbox,
    smartClient: { clientId: e.SMART_CLIENT_ID, scope: e.SMART_SCOPE },
    letter,
    workers: e.WEB_CONCURRENCY ?? (sandbox ? 1 : availableParallelism()),
  });
}

/** Reads and validates the letter file; a missing file, bad JSON or a wrong field fails start-up, naming the file and field. */
export function readLetterConfig(file: string, named = file): LetterConfig {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`;
    throw new ConfigError(`Invalid configuration:\n  ${named}: ${file}: ${why}`);
  }
  const parsed = letterConfigSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${named}: ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
