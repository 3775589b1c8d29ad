/**
 * `mod_assign_*` web-service functions as Moodle 5.1's `mod_assign_external` answers them.
 * Attempt numbers are 0-based; list functions return only each person's latest attempt;
 * `get_submission_status` alone returns earlier attempts with their grade and feedback
 * (newest first, the current attempt left out). Grades are decimal strings, `-1` = none.
 */
import { missingRecord, WsError, type WsContext, type WsFunction } from './moodle-ws-context.js';
import type { MoodleAssignGrade, MoodleAssignment, MoodleSubmission } from './moodle-ws-data.js';
import type { Course } from './types.js';

function validateAssign(ctx: WsContext, id: number): { assign: MoodleAssignment; course: Course } {
  const assign = ctx.site.assignments.get(id);
  if (!assign) throw missingRecord('assign');
  const course = ctx.site.directory.course(assign.courseHandle);
  ctx.requireAccess(course);
  ctx.require('mod/assign:view');
  return { assign, course };
}

const decimal = (n: number) => n.toFixed(5);
const canViewGrades = (ctx: WsContext) => ctx.has('mod/assign:viewgrades');

function submissionJson(s: MoodleSubmission) {
  return {
    id: s.id,
    userid: s.userid,
    attemptnumber: s.attemptnumber,
    timecreated: s.timecreated,
    timemodified: s.timemodified,
    timestarted: null,
    status: s.status,
    groupid: 0,
    assignment: s.assignment,
    latest: s.latest ? 1 : 0,
    plugins: [
      {
        type: 'onlinetext',
        name: 'Online text',
        editorfields: [
          {
            name: 'onlinetext',
            description: 'Online text submissions',
            text: s.status === 'submitted' ? '<p>My essay.</p>' : '',
            format: 1,
          },
        ],
      },
    ],
  };
}

function gradeJson(g: MoodleAssignGrade) {
  return {
    id: g.id,
    assignment: g.assignment,
    userid: g.userid,
    attemptnumber: g.attemptnumber,
    timecreated: g.timecreated,
    timemodified: g.timemodified,
    grader: g.grader,
    grade: decimal(g.grade),
  };
}

/** Feedback plugins as `get_plugins_data` lists them: enabled plugins even when empty. */
function feedbackPlugins(g: MoodleAssignGrade) {
  return [
    {
      type: 'comments',
      name: 'Feedback comments',
      editorfields: [{ name: 'comments', description: 'Feedback comments', text: g.feedback, format: 1 }],
    },
    { type: 'file', name: 'File feedback', fileareas: [{ area: 'feedback_files', files: [] }] },
  ];
}

function assignmentJson(a: MoodleAssignment, course: Course) {
  return {
    id: a.id,
    cmid: a.cmid,
    course: Number(course.restId),
    name: a.name,
    nosubmissions: 0,
    submissiondrafts: 0,
    sendnotifications: 0,
    sendlatenotifications: 0,
    sendstudentnotifications: 1,
    duedate: a.duedate,
    allowsubmissionsfromdate: 0,
    grade: a.grade,
    timemodified: 1735689600,
    completionsubmit: a.completionsubmit,
    cutoffdate: a.cutoffdate,
    gradingduedate: 0,
    teamsubmission: 0,
    requireallteammemberssubmit: 0,
    teamsubmissiongroupingid: 0,
    blindmarking: 0,
    hidegrader: 0,
    revealidentities: 0,
    attemptreopenmethod: a.attemptreopenmethod,
    maxattempts: a.maxattempts,
    markingworkflow: 0,
    markingallocation: 0,
    requiresubmissionstatement: 0,
    preventsubmissionnotingroup: 0,
    configs: [],
    intro: '',
    introformat: 1,
    introfiles: [],
    introattachments: [],
    timelimit: 0,
    submissionattachments: 0,
  };
}

/**
 * Without `includenotenrolledcourses`, a course the caller is not enrolled in is dropped with
 * warning 2 — a service account must send `includenotenrolledcourses=1`.
 */
const getAssignments: WsFunction = (ctx, params) => {
  const requested = params.intArray('courseids', []);
  const includeNotEnrolled = params.bool('includenotenrolledcourses', false);
  const dir = ctx.site.directory;
  const enrolled = dir
    .allCourses()
    .filter((c) => dir.enrolment(ctx.user.handle, c.handle)?.status === 'active')
    .map((c) => Number(c.restId));
  const warnings: Record<string, unknown>[] = [];
  let ids: number[];
  if (requested.length === 0) ids = enrolled;
  else if (includeNotEnrolled) ids = requested;
  else {
    ids = [];
    for (const id of requested) {
      if (enrolled.includes(id)) ids.push(id);
      else
        warnings.push({
          item: 'course',
          itemid: id,
          warningcode: '2',
          message: 'User is not enrolled or does not have requested capability',
        });
    }
  }
  const courses: Record<string, unknown>[] = [];
  for (const id of ids) {
    const course = dir.allCourses().find((c) => c.restId === String(id));
    if (!course || !ctx.canAccess(course)) {
      warnings.push({
        item: 'course',
        itemid: id,
        warningcode: '1',
        message: 'No access rights in course context',
      });
      continue;
    }
    const assignments: Record<string, unknown>[] = [];
    for (const a of ctx.site.assignmentsIn(course.handle)) {
      if (!a.visible) continue;
      if (!ctx.has('mod/assign:view')) {
        warnings.push({
          item: 'module',
          itemid: a.cmid,
          warningcode: '1',
          message: 'No access rights in module context',
        });
        continue;
      }
      assignments.push(assignmentJson(a, course));
    }
    courses.push({
      id: Number(course.restId),
      fullname: course.title,
      shortname: course.label,
      timemodified: 1735689600,
      assignments,
    });
  }
  return { courses, warnings };
};

const getSubmissionStatus: WsFunction = (ctx, params) => {
  const { assign, course } = validateAssign(ctx, params.int('assignid'));
  params.int('groupid', 0);
  const { user, other } = ctx.target(params.int('userid', 0));
  if (other && !canViewGrades(ctx))
    throw new WsError(
      'required_capability_exception',
      'nopermissions',
      'Sorry, but you do not currently have permissions to do that (View grades).',
    );
  const userid = Number(user.restId);
  const all = ctx.site.submissionsOf(assign.id, userid);
  const latest = all.at(-1);
  const latestGrade = latest ? ctx.site.gradeOf(assign.id, userid, latest.attemptnumber) : undefined;
  const result: Record<string, unknown> = {};
  if (ctx.isActiveLearner(user, course)) {
    result.lastattempt = {
      ...(latest ? { submission: submissionJson(latest) } : {}),
      submissiongroupmemberswhoneedtosubmit: [],
      submissionsenabled: true,
      locked: false,
      graded: latestGrade !== undefined && latestGrade.grade >= 0,
      canedit: false,
      caneditowner: true,
      cansubmit: false,
      extensionduedate: null,
      timelimit: 0,
      blindmarking: false,
      gradingstatus: latestGrade !== undefined && latestGrade.grade >= 0 ? 'graded' : 'notgraded',
      usergroups: [],
    };
  }
  if (latestGrade) {
    result.feedback = {
      grade: gradeJson(latestGrade),
      gradefordisplay:
        latestGrade.grade >= 0
          ? `${latestGrade.grade.toFixed(2)}&nbsp;/&nbsp;${assign.grade.toFixed(2)}`
          : '-',
      gradeddate: latestGrade.timemodified,
      plugins: feedbackPlugins(latestGrade),
    };
  }
  if (all.length > 1) {
    result.previousattempts = all
      .slice(0, -1)
      .reverse()
      .map((s) => {
        const g = ctx.site.gradeOf(assign.id, userid, s.attemptnumber);
        return {
          attemptnumber: s.attemptnumber,
          submission: submissionJson(s),
          ...(g ? { grade: gradeJson(g), feedbackplugins: feedbackPlugins(g) } : {}),
        };
      });
  }
  result.warnings = [];
  return result;
};

/** Assignments the caller may read grades of, with warnings for the others (`require_view_grades`). */
function gradeReadable(ctx: WsContext, ids: number[]) {
  const ok: MoodleAssignment[] = [];
  const warnings: Record<string, unknown>[] = [];
  for (const id of ids) {
    const a = ctx.site.assignments.get(id);
    if (!a) continue;
    const course = ctx.site.directory.course(a.courseHandle);
    if (ctx.canAccess(course) && canViewGrades(ctx)) ok.push(a);
    else
      warnings.push({
        item: 'assignment',
        itemid: id,
        warningcode: '1',
        message: 'No access rights in module context',
      });
  }
  return { ok, warnings };
}

const getGrades: WsFunction = (ctx, params) => {
  const since = params.int('since', 0);
  const { ok, warnings } = gradeReadable(ctx, params.intArray('assignmentids'));
  const assignments: Record<string, unknown>[] = [];
  for (const a of ok) {
    const grades = ctx.site.assignGrades.filter(
      (g) =>
        g.assignment === a.id &&
        g.timemodified >= since &&
        ctx.site.latestSubmission(a.id, g.userid)?.attemptnumber === g.attemptnumber,
    );
    if (grades.length === 0)
      warnings.push({ item: 'assignment', itemid: a.id, warningcode: '3', message: 'No grades found' });
    else assignments.push({ assignmentid: a.id, grades: grades.map(gradeJson) });
  }
  return { assignments, warnings };
};

const getSubmissions: WsFunction = (ctx, params) => {
  const status = params.alpha('status', '');
  const since = params.int('since', 0);
  const before = params.int('before', 0);
  const { ok, warnings } = gradeReadable(ctx, params.intArray('assignmentids'));
  const assignments: Record<string, unknown>[] = [];
  for (const a of ok) {
    const subs = ctx.site.submissions.filter(
      (s) =>
        s.assignment === a.id &&
        s.latest &&
        (status === '' || s.status === status) &&
        s.timemodified >= since &&
        (before === 0 || s.timemodified <= before),
    );
    if (subs.length === 0) {
      warnings.push({ item: 'module', itemid: a.id, warningcode: '3', message: 'No submissions found' });
      continue;
    }
    assignments.push({
      assignmentid: a.id,
      submissions: subs.map((s) => {
        const g = ctx.site.gradeOf(a.id, s.userid, s.attemptnumber);
        return { ...submissionJson(s), gradingstatus: g && g.grade >= 0 ? 'graded' : 'notgraded' };
      }),
    });
  }
  return { assignments, warnings };
};

/** The assignment functions by name. */
export const ASSIGN_FUNCTIONS: Record<string, WsFunction> = {
  mod_assign_get_assignments: getAssignments,
  mod_assign_get_submission_status: getSubmissionStatus,
  mod_assign_get_grades: getGrades,
  mod_assign_get_submissions: getSubmissions,
};
