// Serves the product's own documents (docs/*.md and docs/clinical/*.md) as read-only pages, so the
// links cards and the app give — the evidence pathway's rationale, a policy's encoding notes — open
// for the clinician who follows them. The set of pages is fixed when the server starts, from the
// files in the repository: a request names one of them or gets 404, never a path to read.
// Part of the product, not the sandbox: mounted by the composition root in every mode.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pageHeaders } from '../common/pages';
import { docsPage, renderDocument } from './readme';

export const DOCS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs');

/** The documents under `dir` (one level of subfolders), keyed by their URL path below /docs/. */
export function documentPages(dir = DOCS_DIR): Map<string, string> {
  const pages = new Map<string, string>();
  const visit = (rel: string, depth: number) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && depth === 0 && /^[a-z0-9-]+$/.test(entry.name)) visit(name, 1);
      else if (entry.isFile() && /^[A-Za-z0-9-]+\.md$/.test(entry.name)) pages.set(name, path.join(dir, name));
    }
  };
  visit('', 0);
  return pages;
}

export function serveDocs(opts: { dir?: string } = {}): express.Router {
  const pages = documentPages(opts.dir);
  // Our own documents, rendered as the README is (no raw HTML; heading ids; relative .md links resolve to
  // where each document is served, as they do on disk), once each, at the first request.
  const rendered = new Map<string, string>();
  const page = (key: string): string => {
    let html = rendered.get(key);
    if (html === undefined) {
      const doc = renderDocument(readFileSync(pages.get(key)!, 'utf8'), `docs/${key}`);
      html = docsPage(doc.title, doc.html);
      rendered.set(key, html);
    }
    return html;
  };
  const router = express.Router();
  router.get('/docs/*doc', pageHeaders, (req, res, next) => {
    const key = (req.params as { doc: string[] }).doc.join('/');
    if (!pages.has(key)) return next();
    res.type('text/html').set('Cache-Control', 'no-cache').send(page(key));
  });
  return router;
}
