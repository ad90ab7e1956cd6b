// The product's documents, served as pages: the README at /docs/ and the clinical rationale
// (docs/clinical/*.md) at /docs/clinical/<page>.md, the pages citations name. Rendered once, at the
// first request, with markdown-it (CommonMark, already the card renderer; raw HTML off). Headings get
// GitHub's ids, so /docs/#the-cds-hooks-service works as it does on the repository; links between the
// documents are rewritten to these paths, and links to anything else in the repository are left as
// text. Only these files are served: the path never reaches the file system.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import MarkdownIt from 'markdown-it';
import { pageHeaders } from '../common/pages';

/** Repository path of a document → the path it is served at. */
function servedAt(repoPath: string): string | undefined {
  if (repoPath === 'README.md') return '/docs/';
  const m = /^docs\/clinical\/([a-z0-9-]+\.md)$/i.exec(repoPath);
  if (!m) return undefined;
  return m[1]!.toLowerCase() === 'readme.md' ? '/docs/clinical/' : `/docs/clinical/${m[1]}`;
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

function render(markdown: string, repoPath: string): { html: string; title: string } {
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
<body><main><nav aria-label="Documents"><a href="/">Home</a> · <a href="/docs/">README</a> · <a href="/docs/clinical/">Clinical rationale</a></nav>${body}</main></body></html>`;
}

/** The documents under `root` (the repository): README.md and docs/clinical/*.md, those that exist. */
export function docsRouter(root: string): express.Router {
  const files = new Map<string, string>();
  if (existsSync(path.join(root, 'README.md'))) files.set('/docs/', 'README.md');
  const clinical = path.join(root, 'docs/clinical');
  for (const name of existsSync(clinical) ? readdirSync(clinical).filter((f) => /^[a-z0-9-]+\.md$/i.test(f)) : []) {
    const at = servedAt(`docs/clinical/${name}`);
    if (at) files.set(at, `docs/clinical/${name}`);
  }
  const cache = new Map<string, string>();
  const router = express.Router();
  // Express matches "/docs" for "/docs/" too: only the bare form is sent on, to the form relative links need.
  router.get(['/docs', '/docs/clinical'], (req, res, next) => (req.path.endsWith('/') ? next() : res.redirect(301, `${req.path}/`)));
  router.get(['/docs/', '/docs/clinical/', '/docs/clinical/:page'], pageHeaders, (req, res, next) => {
    const repoPath = files.get(req.path);
    if (!repoPath) return next();
    let page = cache.get(repoPath);
    if (!page) {
      const { html, title } = render(readFileSync(path.join(root, repoPath), 'utf8'), repoPath);
      page = docsPage(title, html);
      cache.set(repoPath, page);
    }
    res.type('html').set('Cache-Control', 'no-cache').send(page);
  });
  return router;
}
