// A deliberately small Markdown renderer for CDS card `detail` (GitHub-flavoured subset: headings,
// paragraphs, bullet and numbered lists, bold, italics, code, links). It builds React elements, never
// HTML strings, so nothing in a card can inject markup or script; links must be http(s).
import type { ReactNode } from 'react';

const INLINE = /(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;

function inline(text: string, key: string): ReactNode[] {
  return text.split(INLINE).map((part, i) => {
    const k = `${key}-${i}`;
    if (/^(\*\*|__)/.test(part) && part.length > 4) return <strong key={k}>{inline(part.slice(2, -2), k)}</strong>;
    if (/^`/.test(part) && part.length > 2) return <code key={k}>{part.slice(1, -1)}</code>;
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (link) {
      const [, label = '', href = ''] = link;
      return /^https?:\/\//i.test(href) ? (
        <a key={k} href={href} target="_blank" rel="noreferrer noopener">
          {label}
        </a>
      ) : (
        <span key={k}>{label}</span>
      );
    }
    if (/^[*_]/.test(part) && part.length > 2 && /[*_]$/.test(part)) return <em key={k}>{inline(part.slice(1, -1), k)}</em>;
    return part;
  });
}

export function Markdown({ source }: { source: string }) {
  const blocks: ReactNode[] = [];
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const key = `b${i}`;
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min((heading[1] ?? '#').length + 2, 6);
      const Tag = `h${level}` as 'h3';
      blocks.push(<Tag key={key}>{inline(heading[2] ?? '', key)}</Tag>);
      i++;
      continue;
    }
    const listType = /^\s*[-*+]\s+/.test(line) ? 'ul' : /^\s*\d+[.)]\s+/.test(line) ? 'ol' : undefined;
    if (listType) {
      const items: ReactNode[] = [];
      const marker = listType === 'ul' ? /^\s*[-*+]\s+/ : /^\s*\d+[.)]\s+/;
      while (i < lines.length && marker.test(lines[i] ?? '')) {
        items.push(<li key={`${key}-${i}`}>{inline((lines[i] ?? '').replace(marker, ''), `${key}-${i}`)}</li>);
        i++;
      }
      blocks.push(listType === 'ul' ? <ul key={key}>{items}</ul> : <ol key={key}>{items}</ol>);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() && !/^(#{1,4}\s|\s*[-*+]\s|\s*\d+[.)]\s)/.test(lines[i] ?? '')) {
      para.push((lines[i] ?? '').trim());
      i++;
    }
    blocks.push(<p key={key}>{inline(para.join(' '), key)}</p>);
  }
  return <div className="markdown">{blocks}</div>;
}
