/**
 * Where micro-credentials and their definition versions live. Saving applies the
 * versioning rule (`decideEdit`): edited in place until an award exists under the latest
 * version, a new version after that; awards keep the version they were earned under.
 */
import { randomBytes } from 'node:crypto';
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, awards, definitionVersions, microcredentials } from '../db/schema/index.js';
import { decideEdit, type EditDecision, type MicroCredentialDefinition } from '../microcredentials/index.js';

/** The course a micro-credential belongs to. */
export interface CourseRef {
  platformId: string;
  contextId: string;
  title?: string;
  label?: string;
  lmsCourseId?: string;
}

/** A micro-credential row. */
export type Microcredential = typeof microcredentials.$inferSelect;

/** A stored definition version. */
export interface StoredVersion {
  id: string;
  microcredentialId: string;
  version: number;
  definition: MicroCredentialDefinition;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex')}`;

/** Micro-credentials and definition versions over the database. */
export class DefinitionRepository {
  constructor(private readonly db: Db) {}

  /** The course's micro-credential, if one was started. */
  async find(platformId: string, contextId: string): Promise<Microcredential | undefined> {
    const [row] = await this.db
      .select()
      .from(microcredentials)
      .where(and(eq(microcredentials.platformId, platformId), eq(microcredentials.contextId, contextId)));
    return row;
  }

  /** One micro-credential by id. */
  async get(id: string): Promise<Microcredential | undefined> {
    const [row] = await this.db.select().from(microcredentials).where(eq(microcredentials.id, id));
    return row;
  }

  /** The course's micro-credential, created on first use (idempotent under concurrency). */
  async ensure(course: CourseRef): Promise<Microcredential> {
    await this.db
      .insert(microcredentials)
      .values({
        id: newId('mc'),
        platformId: course.platformId,
        contextId: course.contextId,
        courseTitle: course.title ?? null,
        courseLabel: course.label ?? null,
        lmsCourseId: course.lmsCourseId ?? null,
      })
      .onConflictDoNothing();
    const row = await this.find(course.platformId, course.contextId);
    if (!row) throw new Error('micro-credential vanished after insert');
    return row;
  }

  /** The latest definition version, if any. */
  async latest(microcredentialId: string): Promise<StoredVersion | undefined> {
    const [row] = await this.db
      .select()
      .from(definitionVersions)
      .where(eq(definitionVersions.microcredentialId, microcredentialId))
      .orderBy(desc(definitionVersions.version))
      .limit(1);
    return row ? toStored(row) : undefined;
  }

  /** A given version by its id (awards point at it). */
  async version(versionId: string): Promise<StoredVersion | undefined> {
    const [row] = await this.db.select().from(definitionVersions).where(eq(definitionVersions.id, versionId));
    return row ? toStored(row) : undefined;
  }

  /** Every version, newest first. */
  async versions(microcredentialId: string): Promise<StoredVersion[]> {
    const rows = await this.db
      .select()
      .from(definitionVersions)
      .where(eq(definitionVersions.microcredentialId, microcredentialId))
      .orderBy(desc(definitionVersions.version));
    return rows.map(toStored);
  }

  /**
   * Saves a validated definition. Runs in one transaction: the version row and the audit
   * line are written together or not at all.
   */
  async save(
    microcredentialId: string,
    definition: MicroCredentialDefinition,
    actor: string,
  ): Promise<{ decision: EditDecision | { action: 'created'; version: number }; version: StoredVersion }> {
    return this.db.transaction(async (tx) => {
      const [latest] = await tx
        .select()
        .from(definitionVersions)
        .where(eq(definitionVersions.microcredentialId, microcredentialId))
        .orderBy(desc(definitionVersions.version))
        .limit(1)
        .for('update');
      if (!latest) {
        const id = newId('dv');
        await tx
          .insert(definitionVersions)
          .values({ id, microcredentialId, version: 1, definition, createdBy: actor });
        await tx.insert(auditLog).values({
          actor,
          action: 'definition.create',
          subject: microcredentialId,
          details: { version: 1 },
        });
        const [row] = await tx.select().from(definitionVersions).where(eq(definitionVersions.id, id));
        return { decision: { action: 'created', version: 1 }, version: toStored(row!) };
      }
      const [{ n } = { n: 0 }] = await tx
        .select({ n: count() })
        .from(awards)
        .where(eq(awards.definitionVersionId, latest.id));
      const decision = decideEdit(
        {
          version: latest.version,
          definition: latest.definition as MicroCredentialDefinition,
          awardCount: Number(n),
        },
        definition,
      );
      let id = latest.id;
      if (decision.action === 'edit_in_place') {
        await tx
          .update(definitionVersions)
          .set({ definition, updatedAt: new Date() })
          .where(eq(definitionVersions.id, latest.id));
      } else if (decision.action === 'new_version') {
        id = newId('dv');
        await tx
          .insert(definitionVersions)
          .values({ id, microcredentialId, version: decision.version, definition, createdBy: actor });
      }
      if (decision.action !== 'unchanged') {
        await tx.insert(auditLog).values({
          actor,
          action: decision.action === 'new_version' ? 'definition.new_version' : 'definition.edit',
          subject: microcredentialId,
          details: { version: decision.version },
        });
      }
      const [row] = await tx.select().from(definitionVersions).where(eq(definitionVersions.id, id));
      return { decision, version: toStored(row!) };
    });
  }
}

function toStored(row: typeof definitionVersions.$inferSelect): StoredVersion {
  return {
    id: row.id,
    microcredentialId: row.microcredentialId,
    version: row.version,
    definition: row.definition as MicroCredentialDefinition,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    createdBy: row.createdBy,
  };
}
