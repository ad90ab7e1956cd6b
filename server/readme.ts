// The README, served as a page at /readme for the front door's links (the documents under docs/ are
// server/serve-docs.ts's, at /docs/<path>). Rendered once, at the first request, with markdown-it
// (CommonMark, already the card renderer; raw HTML off). Headings get GitHub's ids, so
// /readme#the-cds-hooks-service works as it does on the repository; its links into docs/ are
// rewritten to where serve-docs serves them, and links to anything else in the repository (source
// files) are left as text. Only README.md is read: no request names a path.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import MarkdownIt from 'markdown-it';
import { pageHeaders } from '../common/pages';

/** Repository path of a document → the path it is served at: the README here, docs/ by serve-docs. */
function servedAt(repoPath: string): string | undefined {
  if (repoPath === 'README.md') return '/readme';
  return /^docs\/([a-z0-9-]+\/)?[A-Za-z0-9-]+\.md$/.test(repoPath) ? `/${repoPath}` : undefined;
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens; repeats numbered. */
export function slugger(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text) => {
    const base = text
      .toLowerCase()
      .trim()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}-${n}` : base;
  };
}

/** A repository document as HTML: heading ids, links into docs/ to where they are served, others as text. */
export function renderDocument(markdown: string, repoPath: string): { html: string; title: string } {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  const slug = slugger();
  let title = repoPath;
  md.core.ruler.push('heading-ids', (state) => {
    state.tokens.forEach((t, i) => {
      if (t.type !== 'heading_open') return;
      const text = state.tokens[i + 1]?.content ?? '';
      if (t.tag === 'h1' && title === repoPath) title = text;
      t.attrSet('id', slug(text));
    });
  });
  const open = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const href = String(token.attrGet('href') ?? '');
    if (/^https?:\/\//i.test(href)) {
      token.attrSet('rel', 'noreferrer');
    } else if (!href.startsWith('#')) {
      const [file, hash] = href.split('#');
      const target = file ? servedAt(path.posix.normalize(path.posix.join(path.posix.dirname(repoPath), file))) : undefined;
      if (target) token.attrSet('href', `${target}${hash ? `#${hash}` : ''}`);
      else token.attrs = (token.attrs ?? []).filter(([k]) => k !== 'href');
    }
    return open(tokens, idx, options, env, self);
  };
  // Code blocks and tables scroll sideways on a narrow screen: focusable, so the keyboard can scroll them.
  return { html: md.render(markdown).replace(/<(pre|table)>/g, '<$1 tabindex="0">'), title };
}

const STYLE = `body{font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b2733;margin:0;background:#f3f5f8}
main{max-width:54rem;margin:0 auto;padding:1rem 1.25rem 3rem;background:#fff;min-height:100vh}
nav{font-size:.95rem;margin-bottom:1rem}a{color:#1f5f9e}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}pre{background:#f4f6f8;padding:.75rem;overflow:auto;border-radius:6px}
table{border-collapse:collapse;display:block;overflow-x:auto}th,td{border:1px solid #d5dce3;padding:.3rem .5rem;text-align:left;vertical-align:top}
a:not([href]){color:inherit}:focus-visible{outline:3px solid #f2b01e;outline-offset:2px}`;

export function docsPage(title: string, body: string): string {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · SIJ medical necessity</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${STYLE}</style></head>
<body><main><nav aria-label="Documents"><a href="/">Home</a> · <a href="/readme">README</a> · <a href="/docs/clinical/README.md">Clinical rationale</a></nav>${body}</main></body></html>`;
}

/** GET /readme: the repository's README.md under `root`, when there is one. */
export function readmeRouter(root: string): express.Router {
  const router = express.Router();
  const file = path.join(root, 'README.md');
  let page: string | undefined;
  router.get('/readme', pageHeaders, (_req, res, next) => {
    if (!existsSync(file)) return next();
    if (!page) {
      const { html, title } = renderDocument(readFileSync(file, 'utf8'), 'README.md');
      page = docsPage(title, html);
    }
    res.type('html').set('Cache-Control', 'no-cache').send(page);
  });
  return router;
}
