// Browser-test harness: builds the client once per test file (into its own temp dir, so parallel
// files never race), starts the real server in-process on port 0 exactly as server/main.ts composes it
// (CDS service + embedded sandbox + SMART app, CDS JWTs verified), and launches Debian's Chromium
// headless. Nothing leaves loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseConfig } from '../../server/config';
import { compose, type Composed } from '../../server/compose';
import { createLogger } from '../../common/logger';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export async function buildClient(): Promise<string> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'sij-client-'));
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
  return outDir;
}

export interface TestServer {
  base: string;
  composed: Composed;
  /** The listening server, for tests that watch what arrives at it. */
  http: http.Server;
  close(): Promise<void>;
}

/** Exactly what `npm start` composes (server/compose.ts), on 127.0.0.1:0, with the client built into distDir; `env` adds settings (LETTER_CONFIG…). */
export async function startServer(opts: { distDir: string; tokenLifetimeSeconds?: number; env?: Record<string, string> }): Promise<TestServer> {
  const server = http.createServer({ keepAliveTimeout: 65_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sij-server-'));
  const config = parseConfig({ PORT: '0', PUBLIC_BASE_URL: base, LOG_LEVEL: 'silent', FEEDBACK_DB_PATH: path.join(tmp, 'feedback.db'), CLIENT_DIST_DIR: opts.distDir, ...opts.env });
  const composed = await compose(config, createLogger({ level: 'silent' }), { tokenLifetimeSeconds: opts.tokenLifetimeSeconds });
  server.on('request', composed.app);
  return {
    base,
    composed,
    http: server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await composed.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** What the sandbox EHR page does before opening the app: register a launch (with the page's session cookie), then open launch.html. */
export async function ehrLaunch(page: Page, base: string, patientId: string, appContext?: string): Promise<void> {
  const cookie = (await fetch(`${base}/ehr`)).headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${base}/ehr/api/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ patientId, appContext }),
  });
  const { launch, iss } = (await res.json()) as { launch: string; iss: string };
  await page.goto(`${base}/launch.html?launch=${launch}&iss=${encodeURIComponent(iss)}`);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Runs axe-core in the page; returns the serious and critical violations, summarised. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the pages' CSP (rightly) refuses inline scripts.
  await page.evaluate(readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}
