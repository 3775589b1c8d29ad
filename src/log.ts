/**
 * One pino logger for the service. Secrets and whole tokens never reach the log: the
 * redaction list covers the places they travel (headers, bodies, id_tokens, LMS tokens).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.id_token',
  '*.idToken',
  '*.JWT',
  '*.ltik',
  '*.registration_token',
  '*.registrationToken',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.password',
  '*.token',
  '*.secret',
  '*.privateKey',
];

/** Creates the root logger; `level: 'silent'` in tests unless LOG_LEVEL says otherwise. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'jalon' } },
    destination,
  );
}

/** Cuts a token-like value to a recognisable, harmless prefix for log lines. */
export function tokenHint(value: string | undefined | null): string {
  if (!value) return '(none)';
  return value.length <= 8 ? '…' : `${value.slice(0, 6)}…(${value.length} chars)`;
}
