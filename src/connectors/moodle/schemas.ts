/**
 * The parts of Moodle's web-service answers Jalon reads, checked before use: an answer of
 * an unexpected shape is a {@link ConnectorError} `BAD_RESPONSE`, never a silent zero.
 * Field names are Moodle's (lms-channels.md §3.4).
 */
import { z } from 'zod';
import { ConnectorError } from '../types.js';

const id = z.number().int();
const warnings = z
  .array(
    z.object({
      item: z.string().optional(),
      itemid: z.number().optional(),
      warningcode: z.string().optional(),
      message: z.string().optional(),
    }),
  )
  .optional()
  .default([]);

/** `core_webservice_get_site_info`. */
export const siteInfoSchema = z.object({
  sitename: z.string(),
  username: z.string(),
  userid: id,
  siteurl: z.string(),
  release: z.string().optional(),
  version: z.string().optional(),
  functions: z.array(z.object({ name: z.string() })).default([]),
});

/** `mod_quiz_get_quizzes_by_courses`; settings are absent without `mod/quiz:view`. */
export const quizzesSchema = z.object({
  quizzes: z.array(
    z.object({
      id,
      coursemodule: id,
      course: id,
      name: z.string(),
      grade: z.number().optional(),
      sumgrades: z.number().nullable().optional(),
      attempts: z.number().int().optional(),
      grademethod: z.number().int().optional(),
      timeopen: z.number().int().optional(),
      timeclose: z.number().int().optional(),
    }),
  ),
  warnings,
});
/** One quiz of {@link quizzesSchema}. */
export type WsQuiz = z.infer<typeof quizzesSchema>['quizzes'][number];

/** `mod_quiz_get_user_quiz_attempts` and the deprecated `mod_quiz_get_user_attempts`. */
export const quizAttemptsSchema = z.object({
  attempts: z.array(
    z.object({
      id,
      quiz: id,
      userid: id,
      attempt: z.number(),
      state: z.string(),
      preview: z.number().int().optional().default(0),
      timestart: z.number().int(),
      timefinish: z.number().int(),
      timemodified: z.number().int(),
      sumgrades: z.number().nullable().optional(),
    }),
  ),
  warnings,
});
/** One attempt of {@link quizAttemptsSchema}. */
export type WsQuizAttempt = z.infer<typeof quizAttemptsSchema>['attempts'][number];

/** `mod_quiz_get_user_best_grade`. */
export const bestGradeSchema = z.object({
  hasgrade: z.boolean(),
  grade: z.number().optional(),
  gradetopass: z.number().optional(),
});

/** `mod_assign_get_assignments`. */
export const assignmentsSchema = z.object({
  courses: z.array(
    z.object({
      id,
      assignments: z.array(
        z.object({
          id,
          cmid: id,
          course: id,
          name: z.string(),
          grade: z.number(),
          duedate: z.number().int(),
          cutoffdate: z.number().int().optional(),
          maxattempts: z.number().int(),
          attemptreopenmethod: z.string(),
        }),
      ),
    }),
  ),
  warnings,
});
/** One assignment of {@link assignmentsSchema}. */
export type WsAssignment = z.infer<typeof assignmentsSchema>['courses'][number]['assignments'][number];

const submission = z.object({
  id,
  userid: id,
  attemptnumber: z.number().int(),
  status: z.string(),
  timecreated: z.number().int(),
  timemodified: z.number().int(),
});
const grade = z.object({
  id,
  attemptnumber: z.number().int(),
  grade: z.union([z.string(), z.number()]),
  timecreated: z.number().int().optional(),
  timemodified: z.number().int(),
});
const plugin = z.object({
  type: z.string(),
  editorfields: z.array(z.object({ name: z.string(), text: z.string().nullable().optional() })).optional(),
  fileareas: z.array(z.object({ area: z.string(), files: z.array(z.unknown()).optional() })).optional(),
});
/** A submission of an attempt. */
export type WsSubmission = z.infer<typeof submission>;
/** A grade of an attempt (`grade` is a decimal string; `-1` = no grade). */
export type WsAssignGrade = z.infer<typeof grade>;
/** A feedback (or submission) plugin's data. */
export type WsPlugin = z.infer<typeof plugin>;

/** `mod_assign_get_submission_status`. */
export const submissionStatusSchema = z.object({
  lastattempt: z.object({ submission: submission.optional() }).optional(),
  feedback: z.object({ grade: grade.optional(), plugins: z.array(plugin).optional() }).optional(),
  previousattempts: z
    .array(
      z.object({
        attemptnumber: z.number().int(),
        submission: submission.optional(),
        grade: grade.optional(),
        feedbackplugins: z.array(plugin).optional(),
      }),
    )
    .optional(),
  warnings,
});
/** The answer of {@link submissionStatusSchema}. */
export type WsSubmissionStatus = z.infer<typeof submissionStatusSchema>;

/**
 * `mod_assign_get_grades` and `mod_assign_get_submissions` with `since`: only who changed is
 * read from them (the attempts themselves come from `mod_assign_get_submission_status`).
 */
export const assignChangesSchema = z.object({
  assignments: z.array(
    z.object({
      assignmentid: id,
      grades: z.array(z.object({ userid: id })).optional(),
      submissions: z.array(z.object({ userid: id })).optional(),
    }),
  ),
  warnings,
});

/** `core_course_check_updates`: per course module, the areas updated since (only those). */
export const checkUpdatesSchema = z.object({
  instances: z.array(
    z.object({
      contextlevel: z.string(),
      id,
      updates: z.array(
        z.object({
          name: z.string(),
          timeupdated: z.number().int().optional(),
          itemids: z.array(id).optional(),
        }),
      ),
    }),
  ),
  warnings,
});

/** `core_course_get_contents`. */
export const courseContentsSchema = z.array(
  z.object({
    id,
    modules: z.array(
      z.object({
        id,
        modname: z.string(),
        instance: z.number().int().optional(),
        name: z.string(),
        completion: z.number().int().optional(),
      }),
    ),
  }),
);

/** `core_completion_get_activities_completion_status`. */
export const activitiesCompletionSchema = z.object({
  statuses: z.array(
    z.object({
      cmid: id,
      modname: z.string(),
      instance: id,
      state: z.number().int(),
      timecompleted: z.number().int(),
      tracking: z.number().int(),
    }),
  ),
  warnings,
});

/** `core_completion_get_course_completion_status`. */
export const courseCompletionSchema = z.object({
  completionstatus: z.object({
    completed: z.boolean(),
    completions: z.array(
      z.object({ complete: z.boolean(), timecompleted: z.number().int().nullable().optional() }),
    ),
  }),
});

/** Parses an answer of `wsfunction`, or throws `BAD_RESPONSE` naming the first odd field. */
export function parseAnswer<T extends z.ZodType>(schema: T, value: unknown, wsfunction: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ConnectorError('BAD_RESPONSE', 'moodle.error.unexpectedShape', {
    function: wsfunction,
    detail: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid',
  });
}

/** `core_enrol_get_enrolled_users`: the course's participants with their course roles. */
export const enrolledUsersSchema = z.array(
  z.object({
    id,
    fullname: z.string().optional(),
    email: z.string().optional(),
    idnumber: z.string().optional(),
    lang: z.string().optional(),
    roles: z.array(z.object({ shortname: z.string() })).optional(),
  }),
);
