// Serves the Vite-built SMART app: /launch.html (the SMART launch URL), /app/ (the app itself, the
// redirect URI) and /app-config.js (runtime configuration: client id, scopes and the determination
// letter's letterhead, from the server's config, so one build works against any EHR). Part of the product, not the sandbox: mounted by the
// composition root (server/compose.ts) whether or not the sandbox is on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Response } from 'express';
import { DEFAULT_DIST_DIR, pageHeaders } from '../common/pages';
import type { LetterConfig } from '../common/letter-config';

export interface ClientConfig {
  clientId?: string;
  scope?: string;
  letter?: LetterConfig;
}

const notBuilt = (res: Response) =>
  res
    .status(503)
    .type('text/plain')
    .send('The SMART app is not built. Run "npm run build" (or "npm start", which builds first) and reload.');

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
