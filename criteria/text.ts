// Words in a record, gathered and cleaned: concept texts and displays, narrative XHTML without its
// tags, and plain-text attachments (a report's presentedForm) decoded from base64. A leaf module used
// by extraction; no runtime dependency.
import type { ConceptLike } from './model';

/** Join the strings among the parts (arrays flattened three levels deep); anything that is not a string is passed over. */
export const textOf = (...parts: unknown[]): string => {
  const words: string[] = [];
  collectStrings(parts, 3, words);
  return words.join(' ');
};

function collectStrings(parts: readonly unknown[], depth: number, out: string[]): void {
  for (const p of parts) {
    if (typeof p === 'string') {
      if (p.length > 0) out.push(p);
    } else if (depth > 0 && Array.isArray(p)) collectStrings(p, depth - 1, out);
  }
}

/** A concept's text and its codings' displays. */
export const conceptText = (c: ConceptLike | undefined): string => textOf(c?.text, ...(c?.coding ?? []).map((x) => x.display));

/** XHTML narrative → plain text: tags become spaces, entities the characters they stand for. */
export function stripHtml(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li|\/tr|\/h\d)\b[^>]*>/gi, '. ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 → UTF-8 text, for text/plain attachments; undefined when it is not valid base64 or not text. */
export function decodeBase64Text(data: string, limit = 200_000): string | undefined {
  const clean = data.replace(/\s+/g, '');
  if (clean.length === 0 || clean.length > limit * 2 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean.replace(/=+$/, '')) {
    buffer = (buffer << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  // UTF-8 decoding by hand: TextDecoder is not in the engine's (no-DOM, no-Node) type library.
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >> 5 === 6 ? 2 : b >> 4 === 14 ? 3 : b >> 3 === 30 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return undefined;
    let cp = len === 1 ? b : b & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    if (cp === 0) return undefined;
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** Cut a quote at a word boundary, never mid-word. */
export function clip(text: string, max = 240): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const at = cut.lastIndexOf(' ');
  return `${(at > max * 0.6 ? cut.slice(0, at) : cut).replace(/[\s,;:.–-]+$/, '')}…`;
}
