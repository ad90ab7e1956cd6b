// The composition root: everything one serving process needs, wired once — the policy library and
// engine (with a worker-thread pool for evaluations under the hook's deadline), the feedback store, the app (service + SMART app hosting + the front door and the product's documents) and, only when SANDBOX is on, the
// embedded sandbox, loaded by dynamic import so production mode loads no sandbox code at all. The
// sandbox's CDS client issuer is trusted and its FHIR origin allowed only while it runs. main.ts and
// the browser tests both start exactly this.
import type { Express } from 'express';
import { anyInScope, determine, inScopeCode, questionnaireFor, renderMarkdown } from '../criteria';
import { dtrBaseUrl } from '../cds-hooks/dtr';
import { createDtrRouter } from '../cds-hooks/questionnaire-package';
import type { FeedbackStore } from '../cds-hooks/feedback-store';
import { createFeedbackStore } from '../cds-hooks/open-feedback-store';
import type { Engine } from '../cds-hooks/types';
import type { Logger } from '../common/logger';
import { createApp } from './app';
import type { Config } from './config';
import { createEnginePool } from './engine-pool';
import { frontDoor } from './front-door';
import { loadLibraryFromDisk, REPO_ROOT } from './policy-files';
import { readmeRouter } from './readme';
import { serveClient } from './serve-client';
import { serveDocs } from './serve-docs';

export interface Composed {
  app: Express;
  feedbackStore: FeedbackStore;
  /** Set when the sandbox runs. */
  sandbox?: { fhirBase: string; loadErrors: string[]; auth: import('../sandbox/auth').SmartAuth };
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** Test seams: a shorter token lifetime, other patient folders. */
  tokenLifetimeSeconds?: number;
  patientDirs?: string[];
}

export async function compose(config: Config, logger: Logger, opts: ComposeOptions = {}): Promise<Composed> {
  const library = loadLibraryFromDisk();
  // Fetched records are evaluated in a worker thread, so the hook's deadline can stop an evaluation.
  const pool = createEnginePool();
  const engine: Engine = {
    evaluate: (resources, options) => determine(library, resources, options),
    inScope: (orders) => anyInScope(library, orders),
    inScopeCode: (order) => inScopeCode(library, order),
    renderMarkdown,
    evaluateWithin: (resources, options, ms) => pool.evaluateWithin(resources, options, ms),
    documentation: (d) => questionnaireFor(library, d, { canonicalBase: dtrBaseUrl(config.publicBaseUrl) }),
  };
  // Da Vinci DTR's $questionnaire-package, the payer side of the documentation loop (cds-hooks/questionnaire-package.ts).
  const dtr = createDtrRouter({ library, publicBaseUrl: config.publicBaseUrl, logger });
  const feedbackStore = await createFeedbackStore({ databaseUrl: config.databaseUrl, sqlitePath: config.feedbackDbPath, retentionDays: config.issuedCardRetentionDays });

  let effective = config;
  let sandboxRouter: import('express').RequestHandler | undefined;
  let sandbox: Composed['sandbox'];
  if (config.sandbox) {
    const { prepareSandbox } = await import('../sandbox/embed');
    const embedded = await prepareSandbox({
      publicBaseUrl: config.publicBaseUrl,
      distDir: config.clientDistDir,
      tokenLifetimeSeconds: opts.tokenLifetimeSeconds,
      patientDirs: opts.patientDirs,
      appClientId: config.smartClient.clientId,
      feedback: feedbackStore,
    });
    effective = {
      ...config,
      trustedIssuers: [...config.trustedIssuers, embedded.trustedIssuer],
      fhirServerAllowlist: [...config.fhirServerAllowlist, embedded.fhirOrigin],
    };
    sandboxRouter = embedded.router;
    sandbox = { fhirBase: embedded.sandbox.fhirBase, loadErrors: embedded.sandbox.loadErrors, auth: embedded.sandbox.auth };
  }
  const client = serveClient({ distDir: config.clientDistDir, config: { ...config.smartClient, letter: config.letter } });
  const docs = serveDocs();
  const app = createApp(effective, {
    engine,
    feedbackStore,
    logger,
    mount: (a) => {
      a.use(dtr);
      a.use(frontDoor({ publicBaseUrl: config.publicBaseUrl, sandbox: config.sandbox }));
      a.use(readmeRouter(REPO_ROOT));
      if (sandboxRouter) a.use(sandboxRouter);
      a.use(client);
      a.use(docs);
    },
  });
  return { app, feedbackStore, sandbox, close: async () => Promise.all([feedbackStore.close(), pool.close()]).then(() => undefined) };
}
