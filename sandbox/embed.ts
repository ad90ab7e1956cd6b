// How server/main.ts (and the browser tests) put the SMART app and the embedded sandbox into the
// service's process: the routers to mount and the CDS client issuer to trust. One function, so the
// tests start exactly what `npm start` starts.
import type { RequestHandler } from 'express';
import { createSandbox, type Sandbox } from './index';
import { serveClient, type ClientConfig } from './serve-client';

export interface EmbedOptions {
  publicBaseUrl: string;
  /** false when SANDBOX=off: only the SMART app is served. */
  sandbox: boolean;
  client?: ClientConfig;
  patientDirs?: string[];
  tokenLifetimeSeconds?: number;
  requireAuth?: boolean;
  distDir?: string;
}

export interface Embedded {
  routers: RequestHandler[];
  /** Append to Config.trustedIssuers so the sandbox EHR's order-sign JWTs are accepted. */
  trustedIssuers: { iss: string; jwks_url: string }[];
  sandbox?: Sandbox;
}

export async function prepareEmbedded(opts: EmbedOptions): Promise<Embedded> {
  const routers: RequestHandler[] = [];
  let sandbox: Sandbox | undefined;
  if (opts.sandbox) {
    sandbox = await createSandbox({
      publicBaseUrl: opts.publicBaseUrl,
      patientDirs: opts.patientDirs,
      tokenLifetimeSeconds: opts.tokenLifetimeSeconds,
      requireAuth: opts.requireAuth,
      distDir: opts.distDir,
    });
    routers.push(sandbox.router);
  }
  routers.push(serveClient({ distDir: opts.distDir, config: opts.client }));
  return { routers, trustedIssuers: sandbox ? [sandbox.auth.ehrClient] : [], sandbox };
}
