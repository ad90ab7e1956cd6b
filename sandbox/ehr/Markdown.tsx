// Card `detail` as an EHR renders it, with markdown-it (CommonMark, well kept) instead of a hand-written
// parser: raw HTML off, so markup in a card is shown as text; no linkify, so a bare URL stays text;
// links only to http(s) (markdown-it's validateLink already refuses javascript:, vbscript:, data: and
// file:; this narrows it to the two schemes a card link may use), opened in a new tab with
// rel="noopener noreferrer". Escaped brackets stay brackets: markdown-it honours backslash escapes.
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

markdown.validateLink = (url: string) => /^https?:\/\//i.test(url.trim());

const renderLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return renderLinkOpen(tokens, idx, options, env, self);
};

/** The HTML for card markdown; safe to insert: markdown-it escapes all text and raw HTML is off. */
export function renderCardMarkdown(source: string): string {
  return markdown.render(source);
}

export function Markdown({ source }: { source: string }) {
  // markdown-it output with html off: no markup from the card survives, so this HTML is ours.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: renderCardMarkdown(source) }} />;
}
