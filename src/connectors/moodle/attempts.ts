/**
 * Moodle attempts as Jalon's normalised records (pure, no I/O). Quiz attempts: 1-based,
 * raw marks (`sumgrades`) scaled to the quiz grade, only finished or submitted ones, never a
 * preview. Assignment attempts: 0-based in Moodle, so +1; the current attempt comes from
 * `lastattempt`/`feedback`, earlier ones from `previousattempts`, with the teacher's feedback
 * comments. A mark Moodle hides is an error, never a zero.
 */
import type { AttemptRecord } from '../../microcredentials/attempts.js';
import type { AssessmentKey } from '../../microcredentials/definition.js';
import type { FeedbackRecord } from '../../microcredentials/facts.js';
import { ConnectorError } from '../types.js';
import type {
  WsAssignGrade,
  WsPlugin,
  WsQuiz,
  WsQuizAttempt,
  WsSubmission,
  WsSubmissionStatus,
} from './schemas.js';

/** The channel name attempt records carry. */
export const MOODLE_SOURCE = 'moodle-ws';

/** Unix seconds → ISO 8601. */
export const isoFromSeconds = (s: number): string => new Date(s * 1000).toISOString();

/** Moodle keeps 5 decimals; rounding there removes float noise such as 8.500000000000002. */
const round5 = (n: number) => Math.round(n * 1e5) / 1e5;

/**
 * A learner's quiz attempts. `legacy` is the deprecated function, which reports attempts
 * awaiting grading as `finished` with no marks: there, a missing mark means "not graded yet".
 */
export function quizAttemptRecords(
  quiz: WsQuiz,
  learner: string,
  attempts: readonly WsQuizAttempt[],
  legacy: boolean,
): AttemptRecord[] {
  const assessment: AssessmentKey = { source: 'moodle-quiz', lmsId: String(quiz.id) };
  const max = quiz.grade ?? 0;
  const total = quiz.sumgrades ?? 0;
  const graded = max > 0 && total > 0;
  const out: AttemptRecord[] = [];
  for (const a of attempts) {
    if (a.preview !== 0 || a.quiz !== quiz.id || String(a.userid) !== learner) continue;
    if (a.state !== 'finished' && a.state !== 'submitted') continue;
    if (!Number.isInteger(a.attempt) || a.attempt < 1)
      throw new ConnectorError('BAD_RESPONSE', 'moodle.error.unexpectedShape', {
        function: 'mod_quiz_get_user_quiz_attempts',
        detail: `attempt ${a.attempt}`,
      });
    const raw = a.sumgrades ?? null;
    if (a.state === 'finished' && raw === null && graded && !legacy)
      throw new ConnectorError('PERMISSION', 'moodle.error.marksHidden', {
        quiz: quiz.name,
        capability: 'moodle/grade:viewhidden',
      });
    const score = a.state === 'finished' && raw !== null && graded ? round5((raw * max) / total) : null;
    out.push({
      learner,
      assessment,
      attemptNumber: a.attempt,
      score,
      maxScore: graded ? max : null,
      submittedAt: isoFromSeconds(a.timefinish || a.timemodified),
      gradedAt: score !== null ? isoFromSeconds(a.timemodified) : null,
      source: MOODLE_SOURCE,
      sourceId: `quiz-attempt:${a.id}`,
    });
  }
  return out;
}

/** Text of a comment without markup, entities or white space: empty means no feedback. */
function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether feedback plugins carry something a learner can read: a comment or a file. */
export function hasFeedback(plugins: readonly WsPlugin[] | undefined): boolean {
  return (plugins ?? []).some(
    (p) =>
      (p.editorfields ?? []).some((f) => plainText(f.text ?? '') !== '') ||
      (p.fileareas ?? []).some((a) => (a.files ?? []).length > 0),
  );
}

interface AttemptParts {
  attemptnumber: number;
  submission?: WsSubmission;
  grade?: WsAssignGrade;
  plugins?: WsPlugin[];
}

function gradeValue(g: WsAssignGrade): number | null {
  const v = typeof g.grade === 'number' ? g.grade : Number.parseFloat(g.grade);
  if (!Number.isFinite(v))
    throw new ConnectorError('BAD_RESPONSE', 'moodle.error.unexpectedShape', {
      function: 'mod_assign_get_submission_status',
      detail: `grade "${String(g.grade)}"`,
    });
  return v < 0 ? null : v;
}

/**
 * A learner's assignment attempts and the teacher feedback on them. An attempt counts when it
 * was submitted, or graded without a submission (an offline assessment); a reopened attempt
 * the learner has not submitted yet does not count.
 */
export function assignAttemptRecords(
  assign: { id: number; grade: number },
  learner: string,
  status: WsSubmissionStatus,
): { attempts: AttemptRecord[]; feedback: FeedbackRecord[] } {
  const assessment: AssessmentKey = { source: 'moodle-assign', lmsId: String(assign.id) };
  const parts = new Map<number, AttemptParts>();
  const merge = (p: AttemptParts) => {
    const cur = parts.get(p.attemptnumber) ?? { attemptnumber: p.attemptnumber };
    parts.set(p.attemptnumber, {
      attemptnumber: p.attemptnumber,
      submission: cur.submission ?? p.submission,
      grade: cur.grade ?? p.grade,
      plugins: cur.plugins ?? p.plugins,
    });
  };
  const last = status.lastattempt?.submission;
  if (last) merge({ attemptnumber: last.attemptnumber, submission: last });
  const fb = status.feedback;
  if (fb?.grade) merge({ attemptnumber: fb.grade.attemptnumber, grade: fb.grade, plugins: fb.plugins });
  for (const p of status.previousattempts ?? [])
    merge({
      attemptnumber: p.attemptnumber,
      submission: p.submission,
      grade: p.grade,
      plugins: p.feedbackplugins,
    });

  const attempts: AttemptRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  for (const p of [...parts.values()].sort((a, b) => a.attemptnumber - b.attemptnumber)) {
    if (p.attemptnumber < 0) continue;
    const score = p.grade ? gradeValue(p.grade) : null;
    const submitted = p.submission?.status === 'submitted';
    if (!submitted && score === null) continue;
    const attemptNumber = p.attemptnumber + 1;
    const submittedAt =
      submitted && p.submission
        ? p.submission.timemodified
        : (p.grade?.timecreated ?? p.grade?.timemodified ?? 0);
    attempts.push({
      learner,
      assessment,
      attemptNumber,
      score,
      maxScore: assign.grade,
      submittedAt: isoFromSeconds(submittedAt),
      gradedAt: score !== null && p.grade ? isoFromSeconds(p.grade.timemodified) : null,
      source: MOODLE_SOURCE,
      sourceId: p.submission ? `assign-submission:${p.submission.id}` : `assign-grade:${p.grade?.id ?? 0}`,
    });
    if (p.grade && hasFeedback(p.plugins))
      feedback.push({
        learner,
        assessment,
        attemptNumber,
        givenAt: isoFromSeconds(p.grade.timemodified),
        origin: 'lms',
        sourceId: `assign-grade:${p.grade.id}`,
      });
  }
  return { attempts, feedback };
}
