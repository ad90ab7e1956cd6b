// Errors and redaction shared by the queue's modules, apart from them so that the local batch run
// and argument parsing need not load pg or pg-boss.

export class QueueError extends Error {
  override name = 'QueueError';
}

/** "postgres://user:secret@host/db" → "postgres://user@host/db": URLs go into messages, secrets don't. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
