// Serves the product's own documents (docs/*.md and docs/clinical/*.md) as read-only pages, so the
// links cards and the app give — the evidence pathway's rationale, a policy's encoding notes — open
// for the clinician who follows them. The set of pages is fixed when the server starts, from the
// files in the repository: a request names one of them or gets 404, never a path to read.
// Part of the product, not the sandbox: mounted by the composition root in every mode.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import MarkdownIt from 'markdown-it';
import { pageHeaders } from '../common/pages';

export const DOCS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);

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
  // Our own documents: no raw HTML, links kept, relative .md links resolve under /docs/ as they do on disk.
  const renderer = new MarkdownIt({ html: false, linkify: false });
  const rendered = new Map<string, string>();
  const page = (key: string): string => {
    let html = rendered.get(key);
    if (html === undefined) {
      const source = readFileSync(pages.get(key)!, 'utf8');
      const title = /^#\s+(.+)$/m.exec(source)?.[1] ?? key;
      html =
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}` +
        `table{border-collapse:collapse}td,th{border:1px solid #999;padding:.25rem .5rem;vertical-align:top}code{background:#f2f2f2}</style></head>` +
        `<body><main>${renderer.render(source)}</main></body></html>`;
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
