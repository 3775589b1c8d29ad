/**
 * What Canvas knows about a course beyond LTI: assignments, classic quizzes, submissions
 * with every attempt, submission comments and modules with completion requirements
 * (lms-channels.md §5). The REST routes (canvas-api.ts) serialise it; tests add to it.
 * One `Submission` per student and assignment holds all attempts, as in Canvas.
 */
import type { Directory } from './fixtures.js';
import { Sequence } from './ids.js';

/** An assignment (a classic quiz also has one, with `submission_types: ['online_quiz']`). */
export interface CanvasAssignment {
  id: number;
  courseHandle: string;
  name: string;
  pointsPossible: number;
  /** −1 means unlimited, as Canvas says. */
  allowedAttempts: number;
  dueAt: string | null;
  submissionTypes: string[];
  quizId?: number;
  published: boolean;
  position: number;
}

/** A classic quiz. Graded ones (`quiz_type: assignment`) own an assignment. */
export interface CanvasQuiz {
  id: number;
  courseHandle: string;
  title: string;
  quizType: 'assignment' | 'practice_quiz' | 'graded_survey' | 'survey';
  assignmentId: number | null;
  pointsPossible: number;
  allowedAttempts: number;
  dueAt: string | null;
  scoringPolicy: 'keep_highest' | 'keep_latest' | 'keep_average';
  published: boolean;
}

/** One attempt of a submission. `score` null while not graded. */
export interface CanvasAttempt {
  attempt: number;
  submittedAt: string;
  submissionType: string;
  score: number | null;
  gradedAt: string | null;
  /** Canvas user id of the grader; negative quiz id when a quiz graded itself. */
  graderId: number | null;
  body?: string;
}

/** A comment on a submission. */
export interface CanvasComment {
  id: number;
  authorHandle: string;
  comment: string;
  createdAt: string;
}

/** A student's submission for an assignment: every attempt and every comment. */
export interface CanvasSubmission {
  id: number;
  assignmentId: number;
  userHandle: string;
  attempts: CanvasAttempt[];
  comments: CanvasComment[];
  /** Id of the classic-quiz submission, when the assignment is a quiz. */
  quizSubmissionId?: number;
}

/** A completion requirement of a module item. */
export type CanvasRequirement =
  { type: 'min_score'; minScore: number } | { type: 'must_submit' } | { type: 'must_view' };

/** A module item (assignment, quiz, page). */
export interface CanvasModuleItem {
  id: number;
  moduleId: number;
  title: string;
  type: 'Assignment' | 'Quiz' | 'Page';
  /** Assignment or quiz id. */
  contentId?: number;
  requirement?: CanvasRequirement;
}

/** A module of a course. */
export interface CanvasModule {
  id: number;
  courseHandle: string;
  name: string;
  position: number;
  items: CanvasModuleItem[];
}

/** Options of `addAssignment`. */
export interface AssignmentInput {
  name: string;
  pointsPossible?: number;
  allowedAttempts?: number;
  dueAt?: string | null;
  submissionTypes?: string[];
  published?: boolean;
}

/** Options of `addQuiz`. */
export interface QuizInput {
  title: string;
  pointsPossible?: number;
  allowedAttempts?: number;
  dueAt?: string | null;
  quizType?: CanvasQuiz['quizType'];
  scoringPolicy?: CanvasQuiz['scoringPolicy'];
}

/** A requirement met, and when. */
export interface ItemCompletion {
  completed: boolean;
  at: string | null;
}

const iso = (d: string | Date = new Date()) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Everything Canvas-side, for all courses of one platform. */
export class CanvasData {
  readonly assignments = new Map<number, CanvasAssignment>();
  readonly quizzes = new Map<number, CanvasQuiz>();
  readonly modules = new Map<number, CanvasModule>();
  private readonly submissions = new Map<string, CanvasSubmission>();
  private readonly views = new Map<string, string>();
  private readonly assignmentIds = new Sequence(355);
  private readonly quizIds = new Sequence(41);
  private readonly submissionIds = new Sequence(9001);
  private readonly quizSubmissionIds = new Sequence(701);
  private readonly commentIds = new Sequence(31);
  private readonly moduleIds = new Sequence(12);
  private readonly itemIds = new Sequence(120);

  constructor(private readonly directory: Directory) {}

  /** Creates an assignment (100 points, 1 attempt, online upload unless told). */
  addAssignment(courseHandle: string, input: AssignmentInput): CanvasAssignment {
    this.directory.course(courseHandle);
    const assignment: CanvasAssignment = {
      id: this.assignmentIds.take(),
      courseHandle,
      name: input.name,
      pointsPossible: input.pointsPossible ?? 100,
      allowedAttempts: input.allowedAttempts ?? -1,
      dueAt: input.dueAt ?? null,
      submissionTypes: input.submissionTypes ?? ['online_upload'],
      published: input.published ?? true,
      position: this.assignmentsIn(courseHandle).length + 1,
    };
    this.assignments.set(assignment.id, assignment);
    return assignment;
  }

  /** Creates a classic quiz; graded quizzes get their assignment (`online_quiz`). */
  addQuiz(courseHandle: string, input: QuizInput): CanvasQuiz {
    const quizType = input.quizType ?? 'assignment';
    const id = this.quizIds.take();
    let assignmentId: number | null = null;
    if (quizType === 'assignment' || quizType === 'graded_survey') {
      const a = this.addAssignment(courseHandle, {
        name: input.title,
        pointsPossible: input.pointsPossible ?? 10,
        allowedAttempts: input.allowedAttempts ?? 1,
        dueAt: input.dueAt ?? null,
        submissionTypes: ['online_quiz'],
      });
      a.quizId = id;
      assignmentId = a.id;
    }
    const quiz: CanvasQuiz = {
      id,
      courseHandle,
      title: input.title,
      quizType,
      assignmentId,
      pointsPossible: input.pointsPossible ?? 10,
      allowedAttempts: input.allowedAttempts ?? 1,
      dueAt: input.dueAt ?? null,
      scoringPolicy: input.scoringPolicy ?? 'keep_highest',
      published: true,
    };
    this.quizzes.set(id, quiz);
    return quiz;
  }

  /** The assignment with this id (throws if unknown). */
  assignment(id: number): CanvasAssignment {
    const a = this.assignments.get(id);
    if (!a) throw new Error(`unknown Canvas assignment ${id}`);
    return a;
  }

  /** The quiz with this id (throws if unknown). */
  quiz(id: number): CanvasQuiz {
    const q = this.quizzes.get(id);
    if (!q) throw new Error(`unknown Canvas quiz ${id}`);
    return q;
  }

  /** Assignments of a course, by position. */
  assignmentsIn(courseHandle: string): CanvasAssignment[] {
    return [...this.assignments.values()].filter((a) => a.courseHandle === courseHandle);
  }

  /** Quizzes of a course. */
  quizzesIn(courseHandle: string): CanvasQuiz[] {
    return [...this.quizzes.values()].filter((q) => q.courseHandle === courseHandle);
  }

  /** The student's submission (Canvas creates one per student and assignment). */
  submission(assignmentId: number, userHandle: string): CanvasSubmission {
    const key = `${assignmentId}|${userHandle}`;
    let s = this.submissions.get(key);
    if (!s) {
      const assignment = this.assignment(assignmentId);
      s = { id: this.submissionIds.take(), assignmentId, userHandle, attempts: [], comments: [] };
      if (assignment.quizId !== undefined) s.quizSubmissionId = this.quizSubmissionIds.take();
      this.submissions.set(key, s);
    }
    return s;
  }

  /** A new attempt (not graded). Returns it. */
  submit(
    assignmentId: number,
    userHandle: string,
    options: { at?: string; body?: string; submissionType?: string } = {},
  ): CanvasAttempt {
    const assignment = this.assignment(assignmentId);
    const s = this.submission(assignmentId, userHandle);
    const attempt: CanvasAttempt = {
      attempt: s.attempts.length + 1,
      submittedAt: iso(options.at),
      submissionType: options.submissionType ?? assignment.submissionTypes[0] ?? 'online_upload',
      score: null,
      gradedAt: null,
      graderId: null,
      ...(options.body !== undefined ? { body: options.body } : {}),
    };
    s.attempts.push(attempt);
    return attempt;
  }

  /** Grades the latest attempt (or `attempt`); `grader` is a user handle or a (negative) grader id. */
  grade(
    assignmentId: number,
    userHandle: string,
    options: { score: number; grader: string | number; at?: string; attempt?: number },
  ): CanvasAttempt {
    const s = this.submission(assignmentId, userHandle);
    const target = options.attempt ? s.attempts[options.attempt - 1] : s.attempts[s.attempts.length - 1];
    if (!target) throw new Error(`no attempt to grade for ${userHandle} on ${assignmentId}`);
    target.score = options.score;
    target.gradedAt = iso(options.at);
    target.graderId =
      typeof options.grader === 'number'
        ? options.grader
        : Number(this.directory.user(options.grader).restId);
    return target;
  }

  /** Adds a comment to a student's submission. */
  comment(
    assignmentId: number,
    userHandle: string,
    options: { author: string; text: string; at?: string },
  ): CanvasComment {
    this.directory.user(options.author);
    const c: CanvasComment = {
      id: this.commentIds.take(),
      authorHandle: options.author,
      comment: options.text,
      createdAt: iso(options.at),
    };
    this.submission(assignmentId, userHandle).comments.push(c);
    return c;
  }

  /** A classic-quiz attempt, graded by the quiz itself (`grader_id` = −quiz id) unless `score` is null (pending review). */
  quizAttempt(
    quizId: number,
    userHandle: string,
    options: { score: number | null; at?: string },
  ): CanvasAttempt {
    const quiz = this.quiz(quizId);
    if (quiz.assignmentId === null) throw new Error(`quiz ${quizId} is not graded`);
    const attempt = this.submit(quiz.assignmentId, userHandle, {
      ...(options.at ? { at: options.at } : {}),
      submissionType: 'online_quiz',
    });
    if (options.score !== null) {
      attempt.score = options.score;
      attempt.gradedAt = attempt.submittedAt;
      attempt.graderId = -quiz.id;
    }
    return attempt;
  }

  /** Adds a module with items; `ref` names an assignment or quiz id. */
  addModule(
    courseHandle: string,
    input: {
      name: string;
      items: {
        title?: string;
        type: CanvasModuleItem['type'];
        contentId?: number;
        requirement?: CanvasRequirement;
      }[];
    },
  ): CanvasModule {
    const id = this.moduleIds.take();
    const module: CanvasModule = {
      id,
      courseHandle,
      name: input.name,
      position: this.modulesIn(courseHandle).length + 1,
      items: input.items.map((i) => ({
        id: this.itemIds.take(),
        moduleId: id,
        title:
          i.title ??
          (i.type === 'Quiz' && i.contentId !== undefined
            ? this.quiz(i.contentId).title
            : i.contentId !== undefined
              ? this.assignment(i.contentId).name
              : 'Page'),
        type: i.type,
        ...(i.contentId !== undefined ? { contentId: i.contentId } : {}),
        ...(i.requirement ? { requirement: i.requirement } : {}),
      })),
    };
    this.modules.set(id, module);
    return module;
  }

  /** Modules of a course, by position. */
  modulesIn(courseHandle: string): CanvasModule[] {
    return [...this.modules.values()].filter((m) => m.courseHandle === courseHandle);
  }

  /** Records that a student viewed a module item (`must_view`). */
  view(itemId: number, userHandle: string, at?: string): void {
    this.views.set(`${itemId}|${userHandle}`, iso(at));
  }

  /** The assignment behind a module item, if any. */
  private itemAssignment(item: CanvasModuleItem): CanvasAssignment | undefined {
    if (item.contentId === undefined) return undefined;
    if (item.type === 'Quiz') {
      const q = this.quizzes.get(item.contentId);
      return q?.assignmentId != null ? this.assignments.get(q.assignmentId) : undefined;
    }
    return item.type === 'Assignment' ? this.assignments.get(item.contentId) : undefined;
  }

  /** Whether a student met an item's requirement, and when. */
  itemCompletion(item: CanvasModuleItem, userHandle: string): ItemCompletion {
    const req = item.requirement;
    if (!req) return { completed: false, at: null };
    if (req.type === 'must_view') {
      const at = this.views.get(`${item.id}|${userHandle}`) ?? null;
      return { completed: at !== null, at };
    }
    const assignment = this.itemAssignment(item);
    if (!assignment) return { completed: false, at: null };
    const s = this.submission(assignment.id, userHandle);
    if (req.type === 'must_submit') {
      const first = s.attempts[0];
      return first ? { completed: true, at: first.submittedAt } : { completed: false, at: null };
    }
    const current = currentGrade(s, assignment, this.quizzes.get(assignment.quizId ?? -1));
    return current.score !== null && current.score >= req.minScore
      ? { completed: true, at: current.gradedAt }
      : { completed: false, at: null };
  }
}

/** The grade a submission shows now: the last graded attempt, or the quiz's kept score. */
export function currentGrade(
  s: Pick<CanvasSubmission, 'attempts'>,
  _assignment: CanvasAssignment,
  quiz?: CanvasQuiz,
): { score: number | null; gradedAt: string | null; graderId: number | null } {
  const graded = s.attempts.filter((a) => a.score !== null);
  if (graded.length === 0) return { score: null, gradedAt: null, graderId: null };
  let kept = graded[graded.length - 1]!;
  if (quiz?.scoringPolicy === 'keep_highest')
    kept = graded.reduce((best, a) => ((a.score ?? 0) > (best.score ?? 0) ? a : best), kept);
  return { score: kept.score, gradedAt: kept.gradedAt, graderId: kept.graderId };
}

/**
 * The default Canvas course content: a summative essay (2 attempts), a reflection journal
 * (unlimited attempts), a graded classic quiz (2 attempts, keep highest), a practice quiz and
 * a module requiring them. Ben fails the essay (52/100), gets a teacher comment, answers it,
 * and passes attempt 2 (86/100); Ana passes at once; Chloé's essay waits for grading.
 */
export function seedCanvasCourse(data: CanvasData, directory: Directory, courseHandle: string): void {
  const essay = data.addAssignment(courseHandle, {
    name: 'Essay – summative',
    pointsPossible: 100,
    allowedAttempts: 2,
    dueAt: '2025-05-01T03:59:59Z',
    submissionTypes: ['online_upload'],
  });
  const journal = data.addAssignment(courseHandle, {
    name: 'Reflection journal',
    pointsPossible: 10,
    allowedAttempts: -1,
    dueAt: null,
    submissionTypes: ['online_text_entry'],
  });
  const quiz = data.addQuiz(courseHandle, {
    title: 'Quiz – summative',
    pointsPossible: 10,
    allowedAttempts: 2,
    dueAt: '2025-04-15T03:59:59Z',
  });
  data.addQuiz(courseHandle, { title: 'Practice quiz', quizType: 'practice_quiz', allowedAttempts: -1 });
  data.addModule(courseHandle, {
    name: 'Module 1 – Foundations',
    items: [
      { type: 'Assignment', contentId: journal.id, requirement: { type: 'must_submit' } },
      { type: 'Quiz', contentId: quiz.id, requirement: { type: 'min_score', minScore: 8 } },
      { type: 'Assignment', contentId: essay.id, requirement: { type: 'min_score', minScore: 80 } },
    ],
  });
  const learners = new Set(
    directory
      .activeMembers(courseHandle)
      .filter((m) => m.enrolment.role === 'learner')
      .map((m) => m.user.handle),
  );
  const teacher = directory.activeMembers(courseHandle).find((m) => m.enrolment.role === 'instructor')
    ?.user.handle;
  if (learners.has('ben') && teacher) {
    data.submit(journal.id, 'ben', { at: '2025-02-05T14:00:00Z', body: 'Week 1 reflections' });
    data.quizAttempt(quiz.id, 'ben', { score: 6, at: '2025-02-10T15:00:00Z' });
    data.quizAttempt(quiz.id, 'ben', { score: 9, at: '2025-02-12T15:00:00Z' });
    data.submit(essay.id, 'ben', { at: '2025-02-20T10:00:00Z' });
    data.grade(essay.id, 'ben', { score: 52, grader: teacher, at: '2025-02-21T08:00:00Z' });
    data.comment(essay.id, 'ben', {
      author: teacher,
      text: 'Section 2 is missing: add the analysis of the data set and cite your sources.',
      at: '2025-02-21T08:05:00Z',
    });
    data.comment(essay.id, 'ben', {
      author: 'ben',
      text: 'Thanks, I will resubmit with section 2.',
      at: '2025-02-22T12:00:00Z',
    });
    data.submit(essay.id, 'ben', { at: '2025-03-02T10:00:00Z' });
    data.grade(essay.id, 'ben', { score: 86, grader: teacher, at: '2025-03-03T09:00:00Z' });
  }
  if (learners.has('ana') && teacher) {
    data.quizAttempt(quiz.id, 'ana', { score: 8, at: '2025-02-11T09:30:00Z' });
    data.submit(essay.id, 'ana', { at: '2025-02-18T09:00:00Z' });
    data.grade(essay.id, 'ana', { score: 91, grader: teacher, at: '2025-02-19T16:00:00Z' });
  }
  if (learners.has('chloe')) data.submit(essay.id, 'chloe', { at: '2025-03-01T20:00:00Z' });
}
