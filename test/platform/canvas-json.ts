/**
 * Canvas REST JSON for the test platform's course data, with Canvas' field names and
 * shapes (lms-channels.md §5): numeric ids, `submission_history` with one version per
 * attempt (1-based), a resubmitted attempt showing the previous grade with
 * `grade_matches_current_submission: false`, quiz-graded attempts with a negative
 * `grader_id`, `{ quiz_submissions: [...] }` for classic quizzes.
 */
import {
  currentGrade,
  type CanvasAssignment,
  type CanvasData,
  type CanvasModule,
  type CanvasQuiz,
  type CanvasSubmission,
} from './canvas-data.js';
import type { Directory } from './fixtures.js';
import type { Course, User } from './types.js';

/** What the serialisers need to know about the platform. */
export interface JsonContext {
  base: string;
  data: CanvasData;
  directory: Directory;
}

const num = (s: string) => Number(s);

function courseOf(ctx: JsonContext, handle: string): Course {
  return ctx.directory.course(handle);
}

/** Assignment JSON (`AssignmentsApiController#index/show`). */
export function assignmentJson(ctx: JsonContext, a: CanvasAssignment): Record<string, unknown> {
  const course = courseOf(ctx, a.courseHandle);
  return {
    id: a.id,
    name: a.name,
    description: null,
    created_at: '2025-01-06T14:00:00Z',
    updated_at: '2025-01-06T14:00:00Z',
    due_at: a.dueAt,
    lock_at: null,
    unlock_at: null,
    course_id: num(course.restId),
    html_url: `${ctx.base}/courses/${course.restId}/assignments/${a.id}`,
    submissions_download_url: `${ctx.base}/courses/${course.restId}/assignments/${a.id}/submissions?zip=1`,
    assignment_group_id: 1,
    points_possible: a.pointsPossible,
    grading_type: 'points',
    submission_types: a.submissionTypes,
    allowed_attempts: a.allowedAttempts,
    position: a.position,
    published: a.published,
    workflow_state: a.published ? 'published' : 'unpublished',
    muted: false,
    post_manually: false,
    anonymous_grading: false,
    ...(a.quizId !== undefined
      ? { quiz_id: a.quizId, is_quiz_assignment: true }
      : { is_quiz_assignment: false }),
  };
}

/** Classic quiz JSON (`QuizzesApiController`). */
export function quizJson(ctx: JsonContext, q: CanvasQuiz): Record<string, unknown> {
  const course = courseOf(ctx, q.courseHandle);
  return {
    id: q.id,
    title: q.title,
    html_url: `${ctx.base}/courses/${course.restId}/quizzes/${q.id}`,
    mobile_url: `${ctx.base}/courses/${course.restId}/quizzes/${q.id}?force_user=1&persist_headless=1`,
    description: '',
    quiz_type: q.quizType,
    assignment_id: q.assignmentId,
    time_limit: null,
    shuffle_answers: false,
    hide_results: null,
    show_correct_answers: true,
    scoring_policy: q.scoringPolicy,
    allowed_attempts: q.allowedAttempts,
    one_question_at_a_time: false,
    question_count: 5,
    points_possible: q.pointsPossible,
    due_at: q.dueAt,
    lock_at: null,
    unlock_at: null,
    published: q.published,
    locked_for_user: false,
  };
}

function commentJson(ctx: JsonContext, c: CanvasSubmission['comments'][number]): Record<string, unknown> {
  const author = ctx.directory.user(c.authorHandle);
  const name = `${author.givenName} ${author.familyName}`;
  return {
    id: c.id,
    author_id: num(author.restId),
    author_name: name,
    author: {
      id: num(author.restId),
      display_name: name,
      avatar_image_url: `${ctx.base}/images/messages/avatar-50.png`,
      html_url: `${ctx.base}/about/${author.restId}`,
    },
    comment: c.comment,
    created_at: c.createdAt,
    edited_at: null,
  };
}

/** The submission as it stood when its first `upTo` attempts existed (a history version). */
function version(ctx: JsonContext, s: CanvasSubmission, upTo: number): Record<string, unknown> {
  const assignment = ctx.data.assignment(s.assignmentId);
  const quiz = assignment.quizId !== undefined ? ctx.data.quizzes.get(assignment.quizId) : undefined;
  const user = ctx.directory.user(s.userHandle);
  const attempts = s.attempts.slice(0, upTo);
  const last = attempts[attempts.length - 1];
  const grade = currentGrade({ attempts }, assignment, quiz);
  const base = {
    id: s.id,
    assignment_id: s.assignmentId,
    user_id: num(user.restId),
    grader_id: grade.graderId,
    cached_due_date: assignment.dueAt,
    extra_attempts: null,
    excused: null,
    points_deducted: null,
    seconds_late: 0,
    redo_request: false,
    preview_url: `${ctx.base}/courses/${courseOf(ctx, assignment.courseHandle).restId}/assignments/${s.assignmentId}/submissions/${user.restId}?preview=1`,
  };
  if (!last) {
    const missing = assignment.dueAt !== null && Date.parse(assignment.dueAt) < Date.now();
    return {
      ...base,
      attempt: null,
      body: null,
      score: null,
      grade: null,
      entered_score: null,
      entered_grade: null,
      submitted_at: null,
      graded_at: null,
      posted_at: null,
      workflow_state: 'unsubmitted',
      submission_type: null,
      grade_matches_current_submission: true,
      late: false,
      missing,
      url: null,
    };
  }
  const gradedNow = last.score !== null;
  const late = assignment.dueAt !== null && Date.parse(last.submittedAt) > Date.parse(assignment.dueAt);
  return {
    ...base,
    attempt: last.attempt,
    body: last.body ?? null,
    score: grade.score,
    grade: grade.score === null ? null : String(grade.score),
    entered_score: grade.score,
    entered_grade: grade.score === null ? null : String(grade.score),
    submitted_at: last.submittedAt,
    graded_at: grade.gradedAt,
    posted_at: grade.gradedAt,
    workflow_state: gradedNow
      ? 'graded'
      : last.submissionType === 'online_quiz'
        ? 'pending_review'
        : 'submitted',
    submission_type: last.submissionType,
    grade_matches_current_submission: grade.score === null || gradedNow,
    late,
    missing: false,
    url: null,
  };
}

/** Submission JSON, with `submission_history` / `submission_comments` when included. */
export function submissionJson(
  ctx: JsonContext,
  s: CanvasSubmission,
  include: ReadonlySet<string>,
): Record<string, unknown> {
  const json = version(ctx, s, s.attempts.length);
  if (include.has('submission_history'))
    json.submission_history =
      s.attempts.length === 0 ? [version(ctx, s, 0)] : s.attempts.map((_, i) => version(ctx, s, i + 1));
  if (include.has('submission_comments'))
    json.submission_comments = s.comments.map((c) => commentJson(ctx, c));
  if (include.has('user')) json.user = userJson(ctx.directory.user(s.userHandle));
  return json;
}

/** The current classic-quiz submission of a student (`QuizSubmission`), or undefined if never taken. */
export function quizSubmissionJson(
  ctx: JsonContext,
  quiz: CanvasQuiz,
  s: CanvasSubmission,
): Record<string, unknown> | undefined {
  const last = s.attempts[s.attempts.length - 1];
  if (!last || quiz.assignmentId === null) return undefined;
  const assignment = ctx.data.assignment(quiz.assignmentId);
  const kept = currentGrade(s, assignment, quiz);
  const user = ctx.directory.user(s.userHandle);
  const course = courseOf(ctx, quiz.courseHandle);
  const started = new Date(Date.parse(last.submittedAt) - 20 * 60_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  return {
    id: s.quizSubmissionId,
    quiz_id: quiz.id,
    quiz_version: 1,
    user_id: num(user.restId),
    submission_id: s.id,
    score: last.score,
    kept_score: kept.score,
    started_at: started,
    finished_at: last.submittedAt,
    end_at: null,
    attempt: last.attempt,
    extra_attempts: null,
    extra_time: null,
    manually_unlocked: null,
    time_spent: 1200,
    score_before_regrade: null,
    fudge_points: 0,
    has_seen_results: true,
    quiz_points_possible: quiz.pointsPossible,
    workflow_state: last.score === null ? 'pending_review' : 'complete',
    overdue_and_needs_submission: false,
    html_url: `${ctx.base}/courses/${course.restId}/quizzes/${quiz.id}/submissions/${s.quizSubmissionId}`,
    result_url: `${ctx.base}/courses/${course.restId}/quizzes/${quiz.id}/history?quiz_submission_id=${s.quizSubmissionId}`,
  };
}

/** User JSON (`UserDisplay` + names). */
export function userJson(u: User): Record<string, unknown> {
  return {
    id: num(u.restId),
    name: `${u.givenName} ${u.familyName}`,
    sortable_name: `${u.familyName}, ${u.givenName}`,
    short_name: u.givenName,
    created_at: '2024-08-20T12:00:00Z',
    locale: u.locale,
    effective_locale: u.locale,
  };
}

/** Module progress for a student (`CoursesController#user_progress`). */
export function progressJson(ctx: JsonContext, course: Course, userHandle: string): Record<string, unknown> {
  const items = ctx.data.modulesIn(course.handle).flatMap((m) => m.items.filter((i) => i.requirement));
  const done = items.map((i) => ({ item: i, ...ctx.data.itemCompletion(i, userHandle) }));
  const completed = done.filter((d) => d.completed);
  const next = done.find((d) => !d.completed);
  const allDone = items.length > 0 && completed.length === items.length;
  return {
    requirement_count: items.length,
    requirement_completed_count: completed.length,
    next_requirement_url: next ? `${ctx.base}/courses/${course.restId}/modules/items/${next.item.id}` : null,
    completed_at: allDone
      ? completed
          .map((d) => d.at ?? '')
          .sort()
          .at(-1) || null
      : null,
  };
}

/** Module JSON with items; `state` and `completed` only when read for a student. */
export function moduleJson(
  ctx: JsonContext,
  course: Course,
  m: CanvasModule,
  options: { items: boolean; student?: string },
): Record<string, unknown> {
  const completions = m.items.map((i) => ({
    item: i,
    ...(options.student ? ctx.data.itemCompletion(i, options.student) : { completed: false, at: null }),
  }));
  const required = completions.filter((c) => c.item.requirement);
  const json: Record<string, unknown> = {
    id: m.id,
    name: m.name,
    position: m.position,
    unlock_at: null,
    require_sequential_progress: false,
    publish_final_grade: false,
    prerequisite_module_ids: [],
    published: true,
    items_count: m.items.length,
    items_url: `${ctx.base}/api/v1/courses/${course.restId}/modules/${m.id}/items`,
  };
  if (options.student) {
    const all = required.length > 0 && required.every((c) => c.completed);
    json.state = all ? 'completed' : required.some((c) => c.completed) ? 'started' : 'unlocked';
    json.completed_at = all
      ? required
          .map((c) => c.at ?? '')
          .sort()
          .at(-1) || null
      : null;
  }
  if (options.items)
    json.items = completions.map((c, index) => ({
      id: c.item.id,
      module_id: m.id,
      position: index + 1,
      title: c.item.title,
      indent: 0,
      type: c.item.type,
      ...(c.item.contentId !== undefined ? { content_id: c.item.contentId } : {}),
      html_url: `${ctx.base}/courses/${course.restId}/modules/items/${c.item.id}`,
      url: `${ctx.base}/api/v1/courses/${course.restId}/${c.item.type === 'Quiz' ? 'quizzes' : 'assignments'}/${c.item.contentId ?? ''}`,
      published: true,
      ...(c.item.requirement
        ? {
            completion_requirement: {
              type: c.item.requirement.type,
              ...(c.item.requirement.type === 'min_score' ? { min_score: c.item.requirement.minScore } : {}),
              ...(options.student ? { completed: c.completed } : {}),
            },
          }
        : {}),
    }));
  return json;
}
