/**
 * The daily reminder to instructors who owe feedback: for each micro-credential with
 * learners in `feedback_owed`, one e-mail per instructor with an address, at most once a
 * day (the once key carries the day).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { courseInstructors, learners, microcredentials, standings } from '../db/schema/index.js';
import { DefinitionRepository } from '../definitions/repository.js';
import { pickLang } from '../i18n/index.js';
import { enqueue } from '../jobs/enqueue.js';

/** Job kind of the daily reminder run. */
export const FEEDBACK_REMINDERS = 'notify.feedbackReminders';

/** The calendar day of an instant in a time zone (`2025-04-02`). */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Queues today's reminders; returns how many e-mails were newly queued. */
export async function queueFeedbackReminders(db: Db, now: Date, timeZone: string): Promise<number> {
  const owed = await db
    .select({ mc: standings.microcredentialId, learner: standings.learner })
    .from(standings)
    .where(eq(standings.status, 'feedback_owed'));
  const byMc = new Map<string, string[]>();
  for (const o of owed) byMc.set(o.mc, [...(byMc.get(o.mc) ?? []), o.learner]);
  const day = dayIn(now, timeZone);
  const repo = new DefinitionRepository(db);
  let queued = 0;
  for (const [mcId, who] of byMc) {
    const [mc] = await db.select().from(microcredentials).where(eq(microcredentials.id, mcId));
    const version = await repo.latest(mcId);
    if (!mc || !version) continue;
    const names = await db.select().from(learners).where(eq(learners.microcredentialId, mcId));
    const label = (id: string) => names.find((n) => n.userId === id)?.name ?? id;
    const staff = await db
      .select()
      .from(courseInstructors)
      .where(and(eq(courseInstructors.microcredentialId, mcId)));
    for (const person of staff) {
      if (!person.email) continue;
      const lang = pickLang(person.locale);
      const title =
        version.definition.title[lang] || version.definition.title.fr || version.definition.title.en || '';
      const r = await enqueue(db, {
        kind: 'email.send',
        onceKey: `email:reminder:${mcId}:${person.userId}:${day}`,
        // The key names a day: it need not outlive it (two days covers any time zone).
        onceUntil: new Date(now.getTime() + 2 * 86_400_000),
        payload: {
          to: person.email,
          lang,
          template: 'reminder',
          params: {
            name: person.name ?? '',
            count: who.length,
            title,
            course: mc.courseTitle ?? '',
            learners: who
              .map(label)
              .sort()
              .map((n) => `- ${n}`)
              .join('\n'),
          },
        },
      });
      if (r.created) queued++;
    }
  }
  return queued;
}
