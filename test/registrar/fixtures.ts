/**
 * Seeds awards and their transcript records directly (the award flow is another
 * module's): a micro-credential with a definition version per course, awards, `awarded`
 * rows and, when asked, `revoked` rows.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/client.js';
import { awards } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import { validateDefinition } from '../../src/microcredentials/index.js';
import { appendTranscriptRecord } from '../../src/transcripts/record.js';
import { definitionInput } from '../microcredentials/fixtures.js';

/** A course's micro-credential and its first definition version. */
export interface SeededCourse {
  microcredentialId: string;
  definitionVersionId: string;
  contextId: string;
}

/** Creates the course's micro-credential with a valid definition. */
export async function seedCourse(
  db: Db,
  platformId: string,
  contextId: string,
  title = 'Mathematics 101',
): Promise<SeededCourse> {
  const repo = new DefinitionRepository(db);
  const mc = await repo.ensure({ platformId, contextId, title, label: `C-${contextId}` });
  const v = validateDefinition({ ...definitionInput(), code: `MC-${contextId}`, credits: 1.5 });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const saved = await repo.save(mc.id, v.definition, 'test');
  return { microcredentialId: mc.id, definitionVersionId: saved.version.id, contextId };
}

/** Options of one award. */
export interface AwardOptions {
  learner: string;
  name?: string;
  email?: string;
  occurredAt?: Date;
  expiresAt?: Date | null;
  score?: string;
  sisPersonId?: string;
}

/** Writes an award and its `awarded` record; returns the award id. */
export async function seedAward(
  db: Db,
  platformId: string,
  course: SeededCourse,
  o: AwardOptions,
): Promise<string> {
  const id = `aw-${randomBytes(6).toString('hex')}`;
  const occurredAt = o.occurredAt ?? new Date('2026-03-15T15:00:00Z');
  await db.transaction(async (tx) => {
    await tx.insert(awards).values({
      id,
      microcredentialId: course.microcredentialId,
      definitionVersionId: course.definitionVersionId,
      userId: o.learner,
      learnerName: o.name ?? null,
      learnerEmail: o.email ?? null,
      score: o.score ?? '92.50',
      decidedBy: 'policy',
      awardedAt: occurredAt,
    });
    await appendTranscriptRecord(tx, {
      event: 'awarded',
      awardId: id,
      microcredentialId: course.microcredentialId,
      definitionVersionId: course.definitionVersionId,
      platformId,
      contextId: course.contextId,
      courseTitle: 'Mathematics 101',
      courseCode: `C-${course.contextId}`,
      learnerId: o.learner,
      lmsUserId: `u-${o.learner}`,
      sisPersonId: o.sisPersonId ?? `SIS-${o.learner}`,
      sisSectionId: `SEC-${course.contextId}`,
      institution: { name: { en: 'Example College', fr: 'Collège Exemple' }, url: 'https://example.edu' },
      learnerName: o.name ?? null,
      learnerEmail: o.email ?? null,
      title: { en: 'Workplace first aid', fr: 'Premiers soins en milieu de travail' },
      essentials: {
        code: `MC-${course.contextId}`,
        credits: 1.5,
        notionalHours: 15,
        deliveryMode: 'hybrid',
        assessmentTypes: ['test', 'practical_demonstration'],
        stacking: {
          kind: 'stackable',
          towards: { en: 'Certificate in safety', fr: 'Certificat en sécurité' },
        },
      },
      score: o.score ?? '92.50',
      passingAttempt: { number: 1 },
      decidedBy: 'policy',
      occurredAt,
      expiresAt: o.expiresAt === undefined ? new Date('2029-03-15T15:00:00Z') : o.expiresAt,
    });
  });
  return id;
}

/** Appends the `revoked` record of an award. */
export async function seedRevocation(db: Db, awardId: string, reason = 'Academic misconduct'): Promise<void> {
  const [awarded] = await db.query.transcriptRecords.findMany({
    where: (r, { eq }) => eq(r.awardId, awardId),
  });
  if (!awarded) throw new Error('no awarded record');
  const { seq: _s, id: _i, recordedAt: _r, ...rest } = awarded;
  await appendTranscriptRecord(db, { ...rest, event: 'revoked', reason, occurredAt: new Date() });
}
