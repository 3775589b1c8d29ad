/**
 * The badges' background work: `badge.email` sends the learner their badge (verification link,
 * JSON link, baked PNG attached) once it is issued; a daily schedule reminds learners of awards
 * they have not claimed yet (1, 7 and 30 days after the award), each reminder once per award and day.
 */
import { forgetAnsweredChallenges } from './wallet-challenges.js';
import { and, eq, isNull, lt, gt } from 'drizzle-orm';
import { createSealer } from '../crypto/seal.js';
import { awards, definitionVersions, issuedBadges } from '../db/schema/index.js';
import { translator, type Lang } from '../i18n/index.js';
import type { JobCatalog } from '../jobs/runtime.js';
import { PermanentJobError, type JobHandler } from '../jobs/types.js';
import type { MicroCredentialDefinition } from '../microcredentials/definition.js';
import type { Services } from '../services.js';
import { isObject } from './checks.js';
import type { Mailer } from '../notify/mailer.js';

type BadgeMailer = Pick<Mailer, 'send'>;
import type { BadgeStoreDeps } from './store.js';

// The signing stack (jsonld, vc), the PNG and QR code libraries and nodemailer load on first use:
// every process builds this catalog (the CLI too), few of them run these jobs.
const store = () => import('./store.js');

/** Job kinds. */
export const BADGE_EMAIL_JOB = 'badge.email';
export const BADGE_REMIND_SCAN_JOB = 'badge.remind-scan';
export const BADGE_REMIND_JOB = 'badge.remind';
export const BADGE_RECONCILE_JOB = 'badge.reconcile-revocations';
/** Daily: forgets wallet challenges too old to be presented again. */
export const BADGE_FORGET_CHALLENGES_JOB = 'badge.forget-challenges';

/** Days after the award on which an unclaimed award is reminded. */
export const REMINDER_DAYS = [1, 7, 30] as const;

/** The badge dependencies of the running service. */
export function badgeStoreDeps(s: Services): BadgeStoreDeps {
  return {
    db: s.database.db,
    sealer: createSealer(s.secrets.master, 'badge-keys'),
    publicUrl: s.config.publicUrl,
  };
}

const DAY = 86_400_000;

/** The catalog; `mailer` may be replaced (tests). */
export function badgeJobs(s: Services, mailer?: BadgeMailer): JobCatalog {
  let made: BadgeMailer | undefined = mailer;
  const mail: BadgeMailer = {
    async send(m) {
      made ??= (await import('../notify/mailer.js')).createMailer({
        smtpUrl: s.config.smtpUrl,
        from: s.config.mailFrom,
        dataDir: s.config.dataDir,
      });
      return made.send(m);
    },
  };
  const db = s.database.db;

  const email: JobHandler<{ badgeId?: unknown }> = async (job, ctx) => {
    const badgeId = typeof job.payload?.badgeId === 'string' ? job.payload.badgeId : '';
    const [badge] = await db.select().from(issuedBadges).where(eq(issuedBadges.id, badgeId));
    if (!badge) throw new PermanentJobError(`no badge ${badgeId}`);
    if (badge.emailedAt) return;
    const lang: Lang = badge.lang;
    const t = translator(lang);
    const vc = badge.credentials[lang];
    const subject = isObject(vc.credentialSubject) ? vc.credentialSubject : {};
    const a = isObject(subject.achievement) ? subject.achievement : {};
    const issuer = isObject(vc.issuer) ? vc.issuer : {};
    const url = (await store()).verificationUrl(s.config.publicUrl, badge.id);
    const title = String(a.name ?? '');
    const { bakePng } = await import('./bake.js');
    const { default: QRCode } = await import('qrcode');
    const png = bakePng(await QRCode.toBuffer(url, { type: 'png', width: 400, margin: 2 }), vc);
    await mail.send({
      kind: 'badge',
      to: badge.recipientEmail,
      lang,
      subject: t('claim:email.subject', { title }),
      text: t('claim:email.body', {
        name: badge.recipientName,
        title,
        issuer: String(issuer.name ?? ''),
        url: `${url}?lang=${lang}`,
        json: `${url}/credential.json?edition=${lang}`,
      }),
      attachments: [
        { filename: `badge-${badge.id}.png`, content: Buffer.from(png), contentType: 'image/png' },
      ],
    });
    await ctx.commit((tx) =>
      tx.update(issuedBadges).set({ emailedAt: new Date() }).where(eq(issuedBadges.id, badge.id)),
    );
  };

  const scan: JobHandler = async () => {
    const now = Date.now();
    const rows = await db
      .select({ id: awards.id, awardedAt: awards.awardedAt })
      .from(awards)
      .leftJoin(issuedBadges, eq(issuedBadges.awardId, awards.id))
      .where(
        and(
          eq(awards.status, 'active'),
          isNull(issuedBadges.id),
          lt(awards.awardedAt, new Date(now - DAY)),
          gt(awards.awardedAt, new Date(now - 31 * DAY)),
        ),
      );
    const today = new Date(now).toISOString().slice(0, 10);
    for (const row of rows) {
      const days = Math.floor((now - row.awardedAt.getTime()) / DAY);
      if (!(REMINDER_DAYS as readonly number[]).includes(days)) continue;
      await s.jobs.enqueue({
        kind: BADGE_REMIND_JOB,
        payload: { awardId: row.id },
        onceKey: `badge.remind:${row.id}:${today}`,
        onceUntil: new Date(now + 2 * DAY),
      });
    }
  };

  const reconcile: JobHandler = async () => {
    const n = await (await store()).reconcileRevocations(badgeStoreDeps(s));
    if (n > 0) s.log?.warn({ bits: n }, 'revoked awards had badges with a clear status bit; set now');
  };

  const remind: JobHandler<{ awardId?: unknown }> = async (job) => {
    const awardId = typeof job.payload?.awardId === 'string' ? job.payload.awardId : '';
    const [row] = await db
      .select({ award: awards, definition: definitionVersions.definition })
      .from(awards)
      .innerJoin(definitionVersions, eq(definitionVersions.id, awards.definitionVersionId))
      .where(eq(awards.id, awardId));
    if (!row) throw new PermanentJobError(`no award ${awardId}`);
    const [claimed] = await db
      .select({ id: issuedBadges.id })
      .from(issuedBadges)
      .where(eq(issuedBadges.awardId, awardId));
    if (claimed || row.award.status !== 'active' || !row.award.learnerEmail) return;
    const def = row.definition as MicroCredentialDefinition;
    const lang: Lang = def.title.fr && !def.title.en ? 'fr' : 'en';
    const t = translator(lang);
    const title = def.title[lang] ?? def.title.fr ?? def.title.en ?? '';
    await mail.send({
      kind: 'badge-reminder',
      to: row.award.learnerEmail,
      lang,
      subject: t('claim:email.reminderSubject', { title }),
      text: t('claim:email.reminderBody', { title }),
    });
  };

  return {
    handlers: {
      [BADGE_EMAIL_JOB]: email as JobHandler<never>,
      [BADGE_REMIND_SCAN_JOB]: scan as JobHandler<never>,
      [BADGE_REMIND_JOB]: remind as JobHandler<never>,
      [BADGE_RECONCILE_JOB]: reconcile as JobHandler<never>,
      [BADGE_FORGET_CHALLENGES_JOB]: async () => {
        const forgotten = await forgetAnsweredChallenges(s.database.db);
        s.log?.info({ forgotten }, 'old wallet challenges forgotten');
      },
    },
    periodic: [
      { name: 'badge-reminders', cron: '0 9 * * *', kind: BADGE_REMIND_SCAN_JOB },
      { name: 'badge-revocations', cron: '*/10 * * * *', kind: BADGE_RECONCILE_JOB },
      { name: 'badge-wallet-challenges', cron: '23 3 * * *', kind: BADGE_FORGET_CHALLENGES_JOB },
    ],
  };
}
