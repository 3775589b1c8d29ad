/**
 * A small e-mail sender for badge messages (with the baked badge attached). With `SMTP_URL`
 * set it sends through that server; without it each message is written as an `.eml` file under
 * `DATA_DIR/outbox`. Same shape as the decisions module's mailer, so it can be swapped for it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** A message ready to send. */
export interface BadgeMail {
  to: string;
  subject: string;
  text: string;
  lang?: string;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** Sends badge e-mail. */
export interface BadgeMailer {
  send(mail: BadgeMail): Promise<{ messageId: string; file?: string }>;
}

/** The mailer the configuration asks for. */
export function createBadgeMailer(options: { smtpUrl: string; from: string; dataDir: string }): BadgeMailer {
  const message = (mail: BadgeMail) => ({
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
    };
  }
  const outbox = path.join(options.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transport.sendMail(message(mail));
      mkdirSync(outbox, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(outbox, `${stamp}-badge-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      return { messageId: info.messageId, file };
    },
  };
}
