// The process logger (pino), in the shared leaf beside outcomes.ts so cds-hooks/ and sandbox/ need
// nothing of server/. Redaction is configured here once so that tokens, authorization headers,
// request bodies and patient data never reach the log, whichever module logs.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths pino removes before a line is written; wildcards cover one level of nesting. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.body',
  'headers.authorization',
  'authorization',
  'body',
  'prefetch',
  'context',
  'fhirAuthorization',
  'access_token',
  'token',
  'jwt',
  '*.authorization',
  '*.access_token',
  '*.token',
  '*.jwt',
  '*.body',
  '*.prefetch',
  '*.context',
  '*.fhirAuthorization',
  '*.patient',
  '*.resource',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, remove: true },
    // Serialise only what identifies a request, never its query string (it can carry patient ids).
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: req.url?.split('?')[0], id: req.id }),
      err: pino.stdSerializers.err,
    },
  };
  return options.destination ? pino(config, options.destination as pino.DestinationStream) : pino(config);
}
