/**
 * The export core on a real database: CSV parsed back with csv-parse, JSON Lines parsed
 * line by line, filters (period in the institution's time zone, course, micro-credential,
 * status) and "since" by seq; pages small enough that every export crosses several.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { openDatabase } from '../../src/db/client.js';
import { parseFilters } from '../../src/registrar/filters.js';
import { currentCeiling } from '../../src/registrar/records.js';
import { streamExport, type ExportRequest } from '../../src/registrar/export.js';
import { CSV_COLUMNS } from '../../src/registrar/writers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { seedAward, seedCourse, seedRevocation, type SeededCourse } from './fixtures.js';

let database: TestDatabase;
let platformId: string;
let otherPlatform: string;
let math: SeededCourse;
let chem: SeededCourse;
const TZ = 'America/Toronto';

async function run(
  req: Partial<ExportRequest> & Pick<ExportRequest, 'format'>,
): Promise<{ text: string; result: Awaited<ReturnType<typeof streamExport>> }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await streamExport(
    database.db,
    { platformId, filters: {}, afterSeq: 0, timeZone: TZ, pageSize: 2, ...req },
    out,
  );
  out.end();
  return { text: Buffer.concat(chunks).toString('utf8'), result };
}

const csvRows = (text: string) =>
  parse(text, { columns: true, record_delimiter: '\r\n' }) as Array<Record<string, string>>;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db, 'c1');
  otherPlatform = await addPlatformRow(database.db, 'c2');
  math = await seedCourse(database.db, platformId, 'math');
  chem = await seedCourse(database.db, platformId, 'chem', 'Chemistry');
  const other = await seedCourse(database.db, otherPlatform, 'math');
  await seedAward(database.db, platformId, math, {
    learner: 'L1',
    name: 'Zoé "Zed" Tremblay, Jr.',
    email: 'zoe@example.edu',
    occurredAt: new Date('2026-01-31T23:30:00-05:00'), // 31 Jan in Toronto, 1 Feb in UTC
  });
  await seedAward(database.db, platformId, math, {
    learner: 'L2',
    name: 'Line\nBreak',
    occurredAt: new Date('2026-02-10T12:00:00Z'),
  });
  await seedAward(database.db, platformId, chem, {
    learner: 'L1',
    occurredAt: new Date('2026-02-20T12:00:00Z'),
    expiresAt: new Date('2026-02-21T00:00:00Z'),
  });
  const revoked = await seedAward(database.db, platformId, chem, {
    learner: 'L3',
    occurredAt: new Date('2026-03-01T12:00:00Z'),
  });
  await seedRevocation(database.db, revoked);
  await seedAward(database.db, otherPlatform, other, { learner: 'X' });
}, 60_000);

afterAll(async () => {
  await database?.close();
});

describe('CSV', () => {
  test('header row, every record of the platform, values round-trip through a CSV parser', async () => {
    const { text, result } = await run({ format: 'csv' });
    expect(text.split('\r\n')[0]).toBe(CSV_COLUMNS.map(([n]) => n).join(','));
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = csvRows(text);
    expect(rows).toHaveLength(5); // 4 awarded + 1 revoked; nothing from the other platform
    expect(result.rows).toBe(5);
    expect(rows.every((r) => r.platform_id === platformId)).toBe(true);
    const zoe = rows.find((r) => r.learner_id === 'L1' && r.course_id === 'math')!;
    expect(zoe.learner_name).toBe('Zoé "Zed" Tremblay, Jr.');
    expect(zoe.title_fr).toBe('Premiers soins en milieu de travail');
    expect(zoe.credits).toBe('1.5');
    expect(zoe.notional_hours).toBe('15');
    expect(zoe.microcredential_code).toBe('MC-math');
    expect(zoe.sis_person_id).toBe('SIS-L1');
    expect(zoe.stacking_towards_en).toBe('Certificate in safety');
    expect(zoe.status).toBe('active');
    expect(zoe.badge_id).toBe('');
    expect(rows.find((r) => r.learner_id === 'L2')!.learner_name).toBe('Line\nBreak');
    const seqs = rows.map((r) => Number(r.seq));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(result.toSeq).toBe(Math.max(...seqs));
  });

  test('status: active, revoked (both rows of the award), expired', async () => {
    const active = csvRows((await run({ format: 'csv', filters: { status: 'active' } })).text);
    expect(active.map((r) => r.learner_id).sort()).toEqual(['L1', 'L2']);
    const revoked = csvRows((await run({ format: 'csv', filters: { status: 'revoked' } })).text);
    expect(revoked.map((r) => r.event).sort()).toEqual(['awarded', 'revoked']);
    expect(revoked.find((r) => r.event === 'revoked')!.revocation_reason).toBe('Academic misconduct');
    const expired = csvRows((await run({ format: 'csv', filters: { status: 'expired' } })).text);
    expect(expired.map((r) => `${r.learner_id}/${r.course_id}`)).toEqual(['L1/chem']);
  });

  test('period in the institution time zone, course, micro-credential', async () => {
    const jan = csvRows(
      (await run({ format: 'csv', filters: { from: '2026-01-01', to: '2026-01-31' } })).text,
    );
    expect(jan.map((r) => r.learner_id)).toEqual(['L1']);
    const feb = csvRows(
      (await run({ format: 'csv', filters: { from: '2026-02-01', to: '2026-02-28' } })).text,
    );
    expect(feb.map((r) => r.learner_id)).toEqual(['L2', 'L1']);
    const c = csvRows((await run({ format: 'csv', filters: { course: 'chem' } })).text);
    expect(new Set(c.map((r) => r.course_id))).toEqual(new Set(['chem']));
    const m = csvRows(
      (await run({ format: 'csv', filters: { microcredential: math.microcredentialId } })).text,
    );
    expect(m).toHaveLength(2);
  });

  test('an empty export is just the header', async () => {
    const { text, result } = await run({ format: 'csv', filters: { course: 'nothing-here' } });
    expect(text).toBe(`${CSV_COLUMNS.map(([n]) => n).join(',')}\r\n`);
    expect(result.rows).toBe(0);
  });
});

describe('JSON Lines', () => {
  test('one object per line, after a seq', async () => {
    const all = (await run({ format: 'jsonl' })).text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(all).toHaveLength(5);
    const after = all[2]!.seq as number;
    const { text, result } = await run({ format: 'jsonl', afterSeq: after });
    const rest = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; learner: { sisPersonId: string } });
    expect(rest.map((r) => r.seq)).toEqual(all.slice(3).map((r) => r.seq));
    expect(result.fromSeq).toBe(after);
    const first = all[0] as {
      learner: Record<string, unknown>;
      microcredential: Record<string, unknown>;
      score: number;
    };
    expect(first.learner.email).toBe('zoe@example.edu');
    expect(first.microcredential.credits).toBe(1.5);
    expect(first.score).toBe(92.5);
  });
});

describe('filters', () => {
  test('good filters are normalised', () => {
    expect(
      parseFilters({ from: '2026-01-01', to: '2026-01-31', status: 'active', since: 'last', course: '' }),
    ).toEqual({
      ok: true,
      filters: { from: '2026-01-01', to: '2026-01-31', status: 'active', since: 'last' },
    });
    expect(parseFilters({ since: '42' })).toEqual({ ok: true, filters: { since: 42 } });
  });

  test.each([
    [{ from: '2026-02-30' }, 'registrar:filters.badDate', 'from'],
    [{ to: 'yesterday' }, 'registrar:filters.badDate', 'to'],
    [{ status: 'pending' }, 'registrar:filters.badStatus', 'status'],
    [{ since: 'first' }, 'registrar:filters.badSince', 'since'],
    [{ from: '2026-03-01', to: '2026-02-01' }, 'registrar:filters.reversed', 'to'],
    [{ status: ['active', 'revoked'] }, 'registrar:filters.repeated', 'status'],
  ])('%j is refused with %s', (raw, key, field) => {
    const r = parseFilters(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toContainEqual(expect.objectContaining({ key, field }));
  });

  test('unknown parameters are refused in strict mode, naming the known ones', () => {
    const r = parseFilters({ microcredentail: 'x', format: 'csv' }, { strict: true, allowed: ['format'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]!.params!.known).toContain('microcredential');
    }
  });
});

describe('the watermark', () => {
  const onServer = Boolean(process.env.DATABASE_URL);
  (onServer ? test : test.skip)(
    'a record whose transaction is still open when an export starts is not skipped by the next since',
    async () => {
      const other = await openDatabase({ url: database.url! });
      try {
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let inserted!: () => void;
        const didInsert = new Promise<void>((r) => (inserted = r));
        // A slow award: its record takes a seq, then the transaction stays open a while.
        const slow = other.db.transaction(async (tx) => {
          await seedAward(tx, platformId, math, { learner: 'slow' });
          inserted();
          await held;
        });
        await didInsert;
        const ceiling = currentCeiling(database.db, platformId);
        let settled = false;
        void ceiling.then(() => (settled = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(settled).toBe(false); // waits for the open transaction
        release();
        await slow;
        const top = await ceiling;
        const { text } = await run({ format: 'csv', ceiling: top, filters: { course: 'math' } });
        expect(csvRows(text).map((r) => r.learner_id)).toContain('slow');
      } finally {
        await other.close();
      }
    },
  );
});
