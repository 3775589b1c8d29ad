/**
 * The decisions module's background work: re-evaluating standings (and awarding), sending
 * e-mail, writing to Jalon's gradebook column, and the daily feedback reminder.
 */
import { AgsError } from '../gradebook/ags.js';
import { writeLearnerScore, type GradebookPayload } from '../gradebook/write.js';
import { PermanentJobError, type ClaimedJob, type JobContext } from '../jobs/types.js';
import type { JobCatalog } from '../jobs/runtime.js';
import { createMailer, type Mailer } from '../notify/mailer.js';
import { FEEDBACK_REMINDERS, queueFeedbackReminders } from '../notify/reminders.js';
import { emailPayloadProblem, renderEmail, type EmailPayload } from '../notify/templates.js';
import type { Services } from '../services.js';
import { evaluateLearners, STANDINGS_EVALUATE, type EvaluatePayload } from './evaluate.js';

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Checks a `standings.evaluate` payload. */
export function evaluatePayloadProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null) return 'payload is not an object';
  const x = p as Record<string, unknown>;
  if (!isId(x.microcredentialId)) return 'microcredentialId missing';
  if (x.learners !== undefined && (!Array.isArray(x.learners) || !x.learners.every(isId)))
    return 'learners must be a list of ids';
  return null;
}

/** Options (tests): a mailer of their own. */
export interface DecisionsJobOptions {
  mailer?: Mailer;
}

/** Handlers and schedules of the decisions module. */
export function decisionsJobs(s: Services, options: DecisionsJobOptions = {}): JobCatalog {
  let mailer = options.mailer;
  const mail = () =>
    (mailer ??= createMailer({
      smtpUrl: s.config.smtpUrl,
      from: s.config.mailFrom,
      dataDir: s.config.dataDir,
    }));
  return {
    handlers: {
      [STANDINGS_EVALUATE]: async (job: ClaimedJob<EvaluatePayload>, ctx: JobContext) => {
        const problem = evaluatePayloadProblem(job.payload);
        if (problem) throw new PermanentJobError(problem);
        const results = await ctx.commit((tx) =>
          evaluateLearners(tx, job.payload.microcredentialId, job.payload.learners, {
            publicUrl: s.config.publicUrl,
          }),
        );
        const awarded = results.filter((r) => r.awarded).map((r) => r.learner);
        s.log.info(
          {
            microcredentialId: job.payload.microcredentialId,
            evaluated: results.length,
            awarded: awarded.length,
          },
          'standings evaluated',
        );
      },
      'email.send': async (job: ClaimedJob<EmailPayload>) => {
        const problem = emailPayloadProblem(job.payload);
        if (problem) throw new PermanentJobError(problem);
        const { subject, text } = renderEmail(job.payload);
        const sent = await mail().send({
          kind: job.payload.template,
          to: job.payload.to,
          subject,
          text,
          lang: job.payload.lang,
        });
        s.log.info(
          { jobId: job.id, template: job.payload.template, messageId: sent.messageId, outbox: !!sent.file },
          'e-mail sent',
        );
      },
      'gradebook.write': async (job: ClaimedJob<GradebookPayload>) => {
        const p = job.payload as unknown as Record<string, unknown>;
        if (!isId(p?.microcredentialId) || !isId(p?.learner))
          throw new PermanentJobError('microcredentialId and learner are required');
        try {
          const out = await writeLearnerScore(
            { db: s.database.db, engine: s.engine, log: s.log },
            job.payload.microcredentialId,
            job.payload.learner,
          );
          s.log.info(
            { jobId: job.id, ...out },
            out.written ? 'gradebook score written' : 'gradebook: nothing written',
          );
        } catch (err) {
          // A refusal that retrying cannot change (not gradable, forbidden) fails at once.
          if (err instanceof AgsError && [400, 403, 404, 422].includes(err.status))
            throw new PermanentJobError(err.message);
          throw err;
        }
      },
      [FEEDBACK_REMINDERS]: async () => {
        const n = await queueFeedbackReminders(s.database.db, new Date(), s.config.jobs.timezone);
        s.log.info({ queued: n }, 'feedback reminders queued');
      },
    },
    periodic: [{ name: 'feedback-reminders', cron: '0 8 * * *', kind: FEEDBACK_REMINDERS }],
  };
}
