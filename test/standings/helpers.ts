/**
 * Set-up for the decisions tests on a real database: a micro-credential with a definition,
 * learners, feedback and completion rows written as the intake module writes them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { feedback, jobs, learners } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import { validateDefinition, type MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import { definitionInput, EXAM } from '../microcredentials/fixtures.js';

let course = 0;

/** A valid definition (exam 14, 80 %, two attempts, due 30 April 2025, ends 31 May 2025). */
export function testDefinition(
  edit: (d: Record<string, unknown>) => void = () => undefined,
): MicroCredentialDefinition {
  const input = definitionInput();
  edit(input);
  const v = validateDefinition(input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.definition;
}

/** A fresh micro-credential with a saved definition. */
export async function newMicrocredential(
  db: Db,
  platformId: string,
  definition: MicroCredentialDefinition = testDefinition(),
): Promise<string> {
  course += 1;
  const repo = new DefinitionRepository(db);
  const mc = await repo.ensure({
    platformId,
    contextId: `ctx-${course}-${randomBytes(3).toString('hex')}`,
    title: 'MATH101',
  });
  await repo.save(mc.id, definition, 'test');
  return mc.id;
}

/** Adds a learner row. */
export async function addLearner(
  db: Db,
  mc: string,
  userId: string,
  extra: Partial<typeof learners.$inferInsert> = {},
): Promise<void> {
  await db
    .insert(learners)
    .values({
      microcredentialId: mc,
      userId,
      name: `Learner ${userId}`,
      email: `${userId}@example.edu`,
      locale: 'fr',
      ...extra,
    })
    .onConflictDoNothing();
}

/** Adds a feedback row (console origin by default). */
export async function addFeedback(db: Db, mc: string, learner: string, givenAt: string, attemptNumber = 1) {
  await db.insert(feedback).values({
    id: `fb-${randomBytes(6).toString('hex')}`,
    microcredentialId: mc,
    learner,
    assessmentSource: EXAM.source,
    assessmentLmsId: EXAM.lmsId,
    attemptNumber,
    givenAt: new Date(givenAt),
    origin: 'lms',
    sourceId: `c-${randomBytes(4).toString('hex')}`,
  });
}

/** Jobs of a kind, payloads only. */
export async function jobsOf(db: Db, kind: string): Promise<Array<Record<string, unknown>>> {
  const rows = await db.select().from(jobs).where(eq(jobs.kind, kind));
  return rows.map((r) => r.payload as Record<string, unknown>);
}

/** `select count(*)` with a where clause. */
export async function count(db: Db, table: string, where = 'true'): Promise<number> {
  const r = await db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`));
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return rows[0]!.n;
}

/** A throw-away DATA_DIR. */
export function tempDataDir(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'jalon-dec-')), 'data');
}
