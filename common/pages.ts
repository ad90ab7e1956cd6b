// What every browser page this project serves shares (the SMART app's pages and the sandbox EHR):
// where Vite put the build, and the pages' own Content-Security-Policy. A leaf, so server/ and
// sandbox/ both use it without importing each other.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

/** Where `vite build` puts the client and the sandbox EHR page (vite.config.ts). */
export const DEFAULT_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/client');

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

export const pageHeaders: RequestHandler = (_req, res, next) => {
  res.set('Content-Security-Policy', PAGE_CSP);
  res.removeHeader('X-Frame-Options');
  next();
};
