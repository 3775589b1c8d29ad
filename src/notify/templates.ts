/**
 * The e-mails Jalon sends, in French or English: subject and plain-text body from the
 * `notify` namespace, filled with the job's parameters.
 */
import { translator, type Lang } from '../i18n/index.js';

/** Every template. */
export const EMAIL_TEMPLATES = ['award', 'feedback', 'feedbackLms', 'reminder'] as const;
/** One of {@link EMAIL_TEMPLATES}. */
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Payload of the `email.send` job. */
export interface EmailPayload {
  to: string;
  lang: Lang;
  template: EmailTemplate;
  params: Record<string, string | number>;
}

/** Checks a job payload; returns why it is unusable, or null. */
export function emailPayloadProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null) return 'payload is not an object';
  const x = p as Record<string, unknown>;
  if (typeof x.to !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(x.to)) return 'to is not an e-mail address';
  if (x.lang !== 'fr' && x.lang !== 'en') return 'lang must be fr or en';
  if (typeof x.template !== 'string' || !(EMAIL_TEMPLATES as readonly string[]).includes(x.template))
    return 'unknown template';
  if (typeof x.params !== 'object' || x.params === null) return 'params must be an object';
  for (const v of Object.values(x.params))
    if (typeof v !== 'string' && typeof v !== 'number') return 'params must be strings or numbers';
  return null;
}

/** Renders a template in a language. */
export function renderEmail(p: EmailPayload): { subject: string; text: string } {
  const t = translator(p.lang);
  return {
    // A subject is one line, whatever a parameter holds.
    subject: t(`notify:${p.template}.subject`, p.params).replace(/[\r\n]+/g, ' '),
    text: t(`notify:${p.template}.body`, p.params),
  };
}
