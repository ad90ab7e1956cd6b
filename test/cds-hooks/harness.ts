// Test harness: the real app in-process on 127.0.0.1:0 with the real engine and a SQLite (or given)
// feedback store, a silent logger, and a fetch that records what the fallback path sent.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import { anyInScope, determine, inScopeCode, renderMarkdown } from '../../criteria';
import type { FeedbackStore } from '../../cds-hooks/feedback-store';
import { createFeedbackStore } from '../../cds-hooks/open-feedback-store';
import type { Engine } from '../../cds-hooks/types';
import { createApp, type AppDeps } from '../../server/app';
import { parseConfig, type Config } from '../../server/config';
import { createLogger, type Logger } from '../../common/logger';
import { loadLibraryFromDisk } from '../../server/policy-files';
import { emptyValues } from './contract';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const SERVICE_URL_PATH = '/cds-services/sij-medical-necessity';
const KEEP_ALIVE_MS = 65_000;

let library: ReturnType<typeof loadLibraryFromDisk> | undefined;
export function realEngine(): Engine {
  library ??= loadLibraryFromDisk();
  const lib = library;
  return { evaluate: (resources, options) => determine(lib, resources, options), inScope: (orders) => anyInScope(lib, orders), inScopeCode: (order) => inScopeCode(lib, order), renderMarkdown };
}

export interface FetchCall {
  url: string;
  authorization: string | null;
}

export interface TestApp {
  url: string;
  config: Config;
  store: FeedbackStore;
  fetchCalls: FetchCall[];
  post(pathname: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; ms: number }>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  store?: FeedbackStore;
  /** Keep the store open on close (to reopen the same DB file). */
  keepStore?: boolean;
  engine?: Engine;
  logger?: Logger;
  deps?: Partial<AppDeps>;
}

export function tempDbPath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sij-feedback-')), 'feedback.db');
}

export async function startApp(opts: StartOptions = {}): Promise<TestApp> {
  // Idle keep-alive sockets outlive the client's (undici closes its own after 4 s): on a loaded machine
  // the server closing first raced a request onto a dying socket (ECONNRESET).
  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({ CDS_AUTH: 'off', FEEDBACK_DB_PATH: tempDbPath(), PUBLIC_BASE_URL: base, ...opts.env });
  const store = opts.store ?? (await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath }));
  const fetchCalls: FetchCall[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    fetchCalls.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
    return fetch(input, init);
  };
  const app = createApp(config, {
    engine: opts.engine ?? realEngine(),
    feedbackStore: store,
    logger: opts.logger ?? createLogger({ level: 'silent' }),
    fetch: recordingFetch,
    ...opts.deps,
  });
  server.on('request', app);
  return {
    url: base,
    config,
    store,
    fetchCalls,
    async post(pathname, body, headers = {}) {
      const started = Date.now();
      const res = await fetch(`${base}${pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      // Every response the service gives in any test is checked here: nothing null or empty
      // (CDS Hooks 2.0: JSON elements SHALL NOT be null and SHALL NOT be empty).
      if (parsed !== undefined && pathname.startsWith('/cds-services')) {
        const empty = emptyValues(parsed);
        if (empty.length) throw new Error(`POST ${pathname} → ${res.status}: ${empty.slice(0, 5).join('; ')}`);
      }
      return { status: res.status, body: parsed, text, ms: Date.now() - started };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!opts.keepStore) await store.close();
    },
  };
}

/** A sample from /work/shared/cds-samples, as copied into test/fixtures/cds-samples. */
export function readSample(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/cds-samples', name), 'utf8'));
}

/** Strip what differs between two calls that should agree (uuids, assertion ids). */
export function comparable(response: any): any {
  return JSON.parse(
    JSON.stringify(response, (key, value) => (key === 'uuid' ? '<uuid>' : value)).replace(/"valueString":"[0-9a-f-]{36}"/g, '"valueString":"<uuid>"'),
  );
}

export const CPT = 'http://www.ama-assn.org/go/cpt';

export function serviceRequest(id: string, patientId: string, code: string, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    authoredOn: '2025-11-17',
    code: { coding: [{ system: CPT, code }] },
    ...extra,
  } as Resource;
}

export function hookRequest(opts: {
  patientId: string;
  orders: Resource[];
  prefetch?: Record<string, unknown>;
  fhirServer?: string;
  accessToken?: string;
}): Record<string, unknown> {
  return {
    hook: 'order-sign',
    hookInstance: crypto.randomUUID(),
    ...(opts.fhirServer ? { fhirServer: opts.fhirServer } : {}),
    ...(opts.accessToken !== undefined ? { fhirAuthorization: { access_token: opts.accessToken, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'sij' } } : {}),
    context: {
      userId: 'Practitioner/dr-1',
      patientId: opts.patientId,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: opts.orders.map((resource) => ({ resource })) },
    },
    ...(opts.prefetch ? { prefetch: opts.prefetch } : {}),
  };
}
