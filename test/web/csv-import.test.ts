/**
 * The CSV import through real launches from the Moodle-shaped test platform, on a real
 * database: a preview saves nothing, one bad row commits nothing, a good file commits every
 * row, the same file again adds nothing, a tampered commit is refused, learners are refused.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { standings } from '../../src/db/schema/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import {
  completeForm,
  countRows,
  fakeActivities,
  getPage,
  jalonWithMoodle,
  launch,
  postDefinition,
  text,
  type Session,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let prof: Session;

const HEADER = 'user_id,assessment,attempt,score,max_score,submitted_at';
const GOOD = `${HEADER}\n2,Final exam,1,7,10,2030-03-01T10:00:00Z\n3,Final exam,1,9,10,2030-03-01T11:00:00Z\n3,Practice quiz,1,15,20,2030-02-01\n`;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = fakeActivities();
  prof = await launch(moodle, 'prof', 'math', 'en');
  const saved = await postDefinition(jalon, prof, completeForm());
  if (saved.status !== 200) throw new Error(`definition not saved: ${saved.status}`);
});

afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

/** POSTs the import form as the browser does: a file, or the preview's hidden fields. */
async function postImport(
  s: Session,
  fields: Record<string, string>,
  file?: string | Uint8Array,
  lang = 'en',
): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('ltik', s.ltik);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file !== undefined)
    form.append(
      'csvFile',
      new Blob([typeof file === 'string' ? file : new Uint8Array(file)], { type: 'text/csv' }),
      'results.csv',
    );
  const url = `${jalon.url}/lti/import?ltik=${encodeURIComponent(s.ltik)}&lang=${lang}`;
  const cookie = s.browser.jar.header(url);
  const res = await fetch(url, {
    method: 'POST',
    body: form,
    headers: { ...(cookie && { cookie }), origin: jalon.url },
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text() };
}

/** The hidden fields of the preview's commit form. */
function commitFields(html: string): Record<string, string> {
  const value = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  return { step: 'commit', content: value('content'), digest: value('digest') };
}

describe('CSV import of results', () => {
  test('the console links to the import page, which lists the columns and assessments', async () => {
    const consolePage = await getPage(jalon, prof, 'console', 'en');
    expect(consolePage.body).toContain('id="import-link"');
    const page = await getPage(jalon, prof, 'import', 'fr');
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('Importer des résultats d’un fichier CSV');
    expect(page.body).toContain('moodle-quiz:101');
    expect(page.body).toContain('submitted_at');
  });

  test('a preview with errors shows them by row, in the page language, and saves nothing', async () => {
    const bad = `${HEADER}\n2,Final exam,1,7,10,2030-03-01T10:00:00Z\n3,Midterm,1,11,10,not a date\n`;
    const r = await postImport(prof, { step: 'preview' }, bad, 'fr');
    expect(r.status).toBe(400);
    const body = text(r.body);
    expect(body).toContain('Ligne 3\u00a0: «\u00a0Midterm\u00a0» n’est pas une évaluation');
    expect(body).toContain('Ligne 3\u00a0: la date de remise');
    expect(r.body).not.toContain('id="import-commit"');
    expect(await countRows(jalon, 'attempts')).toBe(0);
  });

  test('a good preview lists the rows and saves nothing until committed', async () => {
    const r = await postImport(prof, { step: 'preview' }, GOOD);
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('3 rows are ready to import.');
    expect(r.body).toContain('id="import-commit"');
    expect(await countRows(jalon, 'attempts')).toBe(0);
  });

  test('committing a file with one bad row commits nothing', async () => {
    const oneBad = `${GOOD}4,Final exam,0,5,10,2030-03-01\n`;
    // Even posted straight as a commit, skipping the preview.
    const r = await postImport(prof, { step: 'commit' }, oneBad);
    expect(r.status).toBe(400);
    expect(text(r.body)).toContain('Row 5: the attempt number must be a whole number from 1');
    expect(await countRows(jalon, 'attempts')).toBe(0);
  });

  test('a tampered commit is refused and saves nothing', async () => {
    const preview = await postImport(prof, { step: 'preview' }, GOOD);
    const fields = commitFields(preview.body);
    const forged = Buffer.from(`${HEADER}\n9,Final exam,1,10,10,2030-03-01\n`).toString('base64');
    const r = await postImport(prof, { ...fields, content: forged });
    expect(r.status).toBe(400);
    expect(text(r.body)).toContain('The file changed between the preview and the import.');
    expect(await countRows(jalon, 'attempts')).toBe(0);
  });

  test('committing the previewed file saves every row; importing it again adds nothing', async () => {
    const preview = await postImport(prof, { step: 'preview' }, GOOD);
    const r = await postImport(prof, commitFields(preview.body));
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('Imported: 3 new attempts, 0 updated, 0 already known.');
    expect(await countRows(jalon, 'attempts')).toBe(3);
    // The imported learners' standings follow: evaluation was asked for with the rows.
    await jalon.running.services.jobs.drain();
    const evaluated = await jalon.database.db
      .select({ learner: standings.learner })
      .from(standings)
      .orderBy(standings.learner);
    expect(evaluated.map((x) => x.learner)).toEqual(['2', '3']);

    const again = await postImport(prof, { step: 'commit' }, GOOD);
    expect(text(again.body)).toContain('Imported: 0 new attempts, 0 updated, 3 already known.');
    expect(await countRows(jalon, 'attempts')).toBe(3);

    // A corrected score updates the same attempt.
    const corrected = GOOD.replace('2,Final exam,1,7,10', '2,Final exam,1,8,10');
    const fix = await postImport(prof, { step: 'commit' }, corrected);
    expect(text(fix.body)).toContain('Imported: 0 new attempts, 1 updated, 2 already known.');
    expect(await countRows(jalon, 'attempts')).toBe(3);
  });

  test('a commit without a file is refused', async () => {
    const r = await postImport(prof, { step: 'commit' });
    expect(r.status).toBe(400);
    expect(text(r.body)).toContain('Choose a CSV file.');
  });

  test('a course without a definition cannot import', async () => {
    const histProf = await launch(moodle, 'prof', 'hist', 'en');
    const page = await getPage(jalon, histProf, 'import', 'en');
    expect(page.body).toContain('id="import-no-definition"');
    const r = await postImport(histProf, { step: 'commit' }, GOOD);
    expect(r.status).toBe(409);
    expect(await countRows(jalon, 'attempts')).toBe(3);
  });

  test('a learner gets 403 and cannot import', async () => {
    const ana = await launch(moodle, 'ana', 'math');
    expect((await getPage(jalon, ana, 'import')).status).toBe(403);
    const before = await countRows(jalon, 'attempts');
    const r = await postImport(ana, { step: 'commit' }, `${HEADER}\n99,Final exam,2,10,10,2030-03-01\n`);
    expect(r.status).toBe(403);
    expect(await countRows(jalon, 'attempts')).toBe(before);
  });
});
