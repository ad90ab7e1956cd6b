// Serves the Vite-built SMART app: /launch.html (the SMART launch URL), /app/ (the app itself, the
// redirect URI) and /app-config.js (runtime configuration: client id and scopes, from the server's
// config, so one build works against any EHR). Mounted whether or not the sandbox is on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';

/** Where `vite build` puts the client (vite.config.ts). */
export const DEFAULT_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/client');

export interface ClientConfig {
  clientId?: string;
  scope?: string;
}

const notBuilt = (res: Response) =>
  res
    .status(503)
    .type('text/plain')
    .send('The SMART app is not built. Run "npm run build" (or "npm start", which builds first) and reload.');

/**
 * The pages this project serves to browsers get their own CSP (replacing helmet's default): the app
 * must reach whatever FHIR server launched it (connect-src *), and EHRs commonly embed SMART apps in
 * an iframe (frame-ancestors *). Scripts stay same-origin only.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  'connect-src *',
  "object-src 'none'",
  "base-uri 'self'",
  'frame-ancestors *',
].join('; ');

export const pageHeaders: express.RequestHandler = (_req, res, next) => {
  res.set('Content-Security-Policy', PAGE_CSP);
  res.removeHeader('X-Frame-Options');
  next();
};

export function serveClient(opts: { distDir?: string; config?: ClientConfig } = {}): express.Router {
  const dist = opts.distDir ?? DEFAULT_DIST_DIR;
  const appIndex = path.join(dist, 'client/index.html');
  const launchPage = path.join(dist, 'launch.html');
  const router = express.Router();

  router.get('/app-config.js', (_req, res) => {
    const config = Object.fromEntries(Object.entries(opts.config ?? {}).filter(([, v]) => v));
    res.type('application/javascript').set('Cache-Control', 'no-cache');
    res.send(`window.SMART_APP_CONFIG = ${JSON.stringify(config).replace(/</g, '\\u003c')};\n`);
  });
  router.get('/launch.html', pageHeaders, (_req, res) => (existsSync(launchPage) ? res.sendFile(launchPage) : notBuilt(res)));
  router.use('/app/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  // The app is one page: every /app/ path (the redirect URI carries ?code&state) gets index.html.
  router.get(['/app/', '/app/*path'], pageHeaders, (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    return existsSync(appIndex) ? res.sendFile(appIndex) : notBuilt(res);
  });
  return router;
}
