import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { auditLog, awards, definitionVersions } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import { validateDefinition, type MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { definitionInput } from '../microcredentials/fixtures.js';

let database: TestDatabase;
let repo: DefinitionRepository;
let platformId: string;
let base: MicroCredentialDefinition;

beforeAll(async () => {
  database = await createTestDatabase();
  repo = new DefinitionRepository(database.db);
  platformId = await addPlatformRow(database.db);
  const v = validateDefinition(definitionInput());
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  base = v.definition;
});
afterAll(async () => {
  await database?.close();
});

describe('definition repository', () => {
  test('one micro-credential per course, even when created concurrently', async () => {
    const course = { platformId, contextId: '17', title: 'Mathematics 101' };
    const all = await Promise.all([repo.ensure(course), repo.ensure(course), repo.ensure(course)]);
    expect(new Set(all.map((m) => m.id)).size).toBe(1);
  });

  test('edits in place until an award exists, then creates a new version; awards keep theirs', async () => {
    const mc = await repo.ensure({ platformId, contextId: '17' });
    const first = await repo.save(mc.id, base, 'prof');
    expect(first.decision.action).toBe('created');
    expect(first.version.version).toBe(1);

    const edited = { ...base, notionalHours: base.notionalHours + 1 };
    const second = await repo.save(mc.id, edited, 'prof');
    expect(second.decision.action).toBe('edit_in_place');
    expect(second.version.id).toBe(first.version.id);
    expect((await repo.versions(mc.id)).length).toBe(1);

    const same = await repo.save(mc.id, edited, 'prof');
    expect(same.decision.action).toBe('unchanged');

    await database.db.insert(awards).values({
      id: 'aw-1',
      microcredentialId: mc.id,
      definitionVersionId: first.version.id,
      userId: '42',
      decidedBy: 'policy',
    });
    const changed = { ...edited, notionalHours: edited.notionalHours + 1 };
    const third = await repo.save(mc.id, changed, 'prof');
    expect(third.decision.action).toBe('new_version');
    expect(third.version.version).toBe(2);
    expect(third.version.id).not.toBe(first.version.id);
    // The award still points at version 1, whose content did not change.
    const v1 = await repo.version(first.version.id);
    expect(v1!.definition.notionalHours).toBe(edited.notionalHours);
    const [award] = await database.db.select().from(awards).where(eq(awards.id, 'aw-1'));
    expect(award!.definitionVersionId).toBe(first.version.id);
    expect((await repo.latest(mc.id))!.version).toBe(2);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.subject, mc.id));
    expect(audit.map((a) => a.action)).toEqual([
      'definition.create',
      'definition.edit',
      'definition.new_version',
    ]);
  });

  test('the database refuses a duplicate version number and a second award for the same learner', async () => {
    const mc = await repo.ensure({ platformId, contextId: '17' });
    const latest = (await repo.latest(mc.id))!;
    await expect(
      database.db.insert(definitionVersions).values({
        id: 'dv-dup',
        microcredentialId: mc.id,
        version: latest.version,
        definition: base,
        createdBy: 'x',
      }),
    ).rejects.toThrow();
    await expect(
      database.db.insert(awards).values({
        id: 'aw-2',
        microcredentialId: mc.id,
        definitionVersionId: latest.id,
        userId: '42',
        decidedBy: 'policy',
      }),
    ).rejects.toThrow();
  });
});
