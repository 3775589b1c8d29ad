/**
 * Outgoing e-mail. With `SMTP_URL` set, messages go to that SMTP server (nodemailer); without
 * it, each message is written as an `.eml` file under `DATA_DIR/outbox`, so that a small
 * installation (or a demo) loses nothing and an administrator can read what would have
 * been sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** A message ready to send. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Language of the message (`Content-Language`). */
  lang?: string;
  /** What it is (`award`, `badge`, `reminder`…): names the outbox file, for the administrator. */
  kind?: string;
  /** Files sent with it (the baked badge). */
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** What sending did: the message id, and the file when written to the outbox. */
export interface SentMail {
  messageId: string;
  file?: string;
}

/** Sends e-mail. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** Options of {@link createMailer}. */
export interface MailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; empty: the outbox directory. */
  smtpUrl: string;
  from: string;
  /** DATA_DIR; the outbox is `outbox/` inside it. */
  dataDir: string;
}

/** Builds the mailer the configuration asks for. */
export function createMailer(options: MailerOptions): Mailer {
  const message = (mail: OutgoingMail) => ({
    from: options.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.attachments && { attachments: mail.attachments }),
    ...(mail.lang && { headers: { 'Content-Language': mail.lang } }),
  });
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      async send(mail) {
        const info = await transport.sendMail(message(mail));
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const outbox = path.join(options.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transport.sendMail(message(mail));
      mkdirSync(outbox, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const kind = mail.kind?.replace(/[^a-z0-9-]/gi, '').slice(0, 32);
      const file = path.join(
        outbox,
        `${stamp}-${kind ? `${kind}-` : ''}${randomBytes(4).toString('hex')}.eml`,
      );
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      return { messageId: info.messageId, file };
    },
    close: () => transport.close(),
  };
}
