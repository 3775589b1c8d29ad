/**
 * Which platform has a Moodle site, and the default activities it starts with. MATH101 is
 * the course the connector tests read: a summative quiz with several attempts per learner,
 * a practice quiz, an essay with a reopened attempt and teacher feedback, and completion.
 */
import { MoodleSite, QUIZ_GRADE_METHOD } from './moodle-ws-data.js';
import type { PlatformState } from './state.js';

const sites = new WeakMap<PlatformState, MoodleSite>();

/** The Moodle site of a platform (throws for Canvas: it has no Moodle web services). */
export function moodleSiteOf(state: PlatformState): MoodleSite {
  const site = sites.get(state);
  if (!site) throw new Error('Moodle web services exist only on a Moodle platform');
  return site;
}

/** Whether the platform has Moodle web services. */
export function hasMoodleSite(state: PlatformState): boolean {
  return sites.has(state);
}

/** Creates the Moodle site of a Moodle platform, seeded with the default activities when asked. */
export function attachMoodleSite(state: PlatformState, seed: boolean): MoodleSite {
  const site = new MoodleSite(state.directory, state.gradebook, state.urls.base);
  sites.set(state, site);
  if (seed) seedMoodleActivities(site, state);
  return site;
}

const t = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Default activities. MATH101: the summative quiz (the gradebook's native quiz, 10 points,
 * 2 attempts, pass 8, marks hidden from learners while open) where Ana fails attempt 1 at
 * 60 % and passes attempt 2 at 85 %, Ben passes at once, Chloé is still in progress, Dana's
 * attempt awaits grading; a prof's preview; a formative practice quiz with unlimited attempts;
 * the essay (the native assignment, 100 points, 2 attempts, reopened until pass) where Ana's
 * first attempt (48) was reopened with teacher feedback and her second got 86; a forum; activity
 * and course completion. HIST200: a quiz and an assignment without attempts, no course
 * completion criteria.
 */
function seedMoodleActivities(site: MoodleSite, state: PlatformState): void {
  const native = (course: string, module: string) =>
    state.gradebook.allInCourse(course).find((i) => i.nativeModule === module);
  for (const course of ['math', 'hist']) {
    try {
      state.directory.course(course);
    } catch {
      return;
    }
  }
  const quiz = site.addQuiz('math', {
    name: 'Quiz – summative',
    grade: 10,
    sumgrades: 20,
    attempts: 2,
    grademethod: QUIZ_GRADE_METHOD.highest,
    timeopen: t('2025-01-06T00:00:00Z'),
    timeclose: t('2025-03-31T23:59:00Z'),
    gradepass: 8,
    completion: 2,
    completionpass: 1,
    reviewMarks: false,
    ...(native('math', 'quiz') ? { gradeItem: native('math', 'quiz')! } : {}),
  });
  const practice = site.addQuiz('math', {
    name: 'Practice quiz',
    grade: 10,
    sumgrades: 10,
    attempts: 0,
    completion: 1,
  });
  const essay = site.addAssignment('math', {
    name: 'Essay',
    grade: 100,
    duedate: t('2025-03-31T23:59:00Z'),
    cutoffdate: t('2025-04-07T23:59:00Z'),
    maxattempts: 2,
    attemptreopenmethod: 'untilpass',
    gradepass: 80,
    completion: 2,
    ...(native('math', 'assign') ? { gradeItem: native('math', 'assign')! } : {}),
  });
  site.addOtherModule('math', 'forum', 'Announcements');

  site.addQuizAttempt(quiz.id, 'ana', { percent: 60, finishedAt: '2025-01-10T14:00:00Z' });
  site.addQuizAttempt(quiz.id, 'ana', { percent: 85, finishedAt: '2025-01-20T15:30:00Z' });
  site.addQuizAttempt(quiz.id, 'ben', { percent: 90, finishedAt: '2025-01-12T09:00:00Z' });
  site.addQuizAttempt(quiz.id, 'chloe', { state: 'inprogress', startedAt: '2025-01-21T10:00:00Z' });
  site.addQuizAttempt(quiz.id, 'dana', {
    percent: 70,
    state: 'submitted',
    finishedAt: '2025-01-22T11:00:00Z',
  });
  site.addQuizAttempt(quiz.id, 'prof', { percent: 100, preview: true, finishedAt: '2025-01-05T08:00:00Z' });
  for (const [p, at] of [
    [40, '2025-01-07T10:00:00Z'],
    [70, '2025-01-08T10:00:00Z'],
    [100, '2025-01-09T10:00:00Z'],
  ] as const)
    site.addQuizAttempt(practice.id, 'ana', { percent: p, finishedAt: at });

  site.submitAssignment(essay.id, 'ana', { at: '2025-01-08T12:00:00Z' });
  site.gradeAssignment(essay.id, 'ana', {
    grade: 48,
    feedback: '<p>Section 2 is missing: add your analysis of the data set.</p>',
    at: '2025-01-09T16:00:00Z',
  });
  site.reopenAssignment(essay.id, 'ana', { at: '2025-01-09T16:00:00Z' });
  site.submitAssignment(essay.id, 'ana', { at: '2025-01-15T12:00:00Z' });
  site.gradeAssignment(essay.id, 'ana', {
    grade: 86,
    feedback: '<p>Much better.</p>',
    at: '2025-01-16T09:00:00Z',
  });
  site.submitAssignment(essay.id, 'ben', { at: '2025-01-11T08:00:00Z' });
  site.gradeAssignment(essay.id, 'ben', { grade: 92, at: '2025-01-12T08:00:00Z' });
  site.submitAssignment(essay.id, 'chloe', { at: '2025-01-20T08:00:00Z' });

  site.setActivityCompletion(quiz.cmid, 'ana', 2, '2025-01-20T15:30:00Z');
  site.setActivityCompletion(quiz.cmid, 'ben', 2, '2025-01-12T09:00:00Z');
  site.setActivityCompletion(essay.cmid, 'ana', 2, '2025-01-16T09:00:00Z');
  site.setActivityCompletion(essay.cmid, 'ben', 2, '2025-01-12T08:00:00Z');
  site.setActivityCompletion(practice.cmid, 'ana', 1, '2025-01-09T10:00:00Z');
  site.setCourseCompletionCriteria('math', [quiz.cmid, essay.cmid]);
  site.completeCourse('math', 'ana', '2025-01-20T15:30:00Z');
  site.completeCourse('math', 'ben', '2025-01-12T09:00:00Z');

  site.addQuiz('hist', {
    name: 'Quiz – summative',
    grade: 10,
    sumgrades: 40,
    attempts: 1,
    ...(native('hist', 'quiz') ? { gradeItem: native('hist', 'quiz')! } : {}),
  });
  site.addAssignment('hist', {
    name: 'Essay',
    grade: 100,
    maxattempts: -1,
    attemptreopenmethod: 'manual',
    ...(native('hist', 'assign') ? { gradeItem: native('hist', 'assign')! } : {}),
  });
}
