/**
 * Core web-service functions Jalon reads: site information (with the functions of the
 * token's service), course contents (course-module ids, completion settings), the user
 * grade report, and activity and course completion — shaped as Moodle 5.1 answers them.
 */
import { WsError, type WsContext, type WsFunction } from './moodle-ws-context.js';
import type { Course, User } from './types.js';

/** Every module of a course with the fields the contents and completion functions need. */
function modulesOf(ctx: WsContext, course: Course) {
  const site = ctx.site;
  return [
    ...site.quizzesIn(course.handle).map((q) => ({
      cmid: q.cmid,
      modname: 'quiz',
      modplural: 'Quizzes',
      instance: q.id,
      name: q.name,
      completion: q.completion,
      visible: q.visible,
      rule: q.completionpass ? 'completionpassgrade' : 'completionview',
      dates: [
        ...(q.timeopen ? [{ label: 'Opened:', timestamp: q.timeopen, dataid: 'timeopen' }] : []),
        ...(q.timeclose ? [{ label: 'Closes:', timestamp: q.timeclose, dataid: 'timeclose' }] : []),
      ],
    })),
    ...site.assignmentsIn(course.handle).map((a) => ({
      cmid: a.cmid,
      modname: 'assign',
      modplural: 'Assignments',
      instance: a.id,
      name: a.name,
      completion: a.completion,
      visible: a.visible,
      rule: a.gradepass ? 'completionpassgrade' : 'completionsubmit',
      dates: a.duedate ? [{ label: 'Due:', timestamp: a.duedate, dataid: 'duedate' }] : [],
    })),
    ...site.otherModules
      .filter((m) => m.courseHandle === course.handle)
      .map((m) => ({
        cmid: m.cmid,
        modname: m.modname,
        modplural: `${m.modname}s`,
        instance: m.instance,
        name: m.name,
        completion: m.completion,
        visible: true,
        rule: 'completionview',
        dates: [] as { label: string; timestamp: number; dataid: string }[],
      })),
  ].sort((a, b) => a.cmid - b.cmid);
}

const getSiteInfo: WsFunction = (ctx) => ({
  sitename: 'Example University',
  username: ctx.user.username,
  firstname: ctx.user.givenName,
  lastname: ctx.user.familyName,
  fullname: `${ctx.user.givenName} ${ctx.user.familyName}`,
  lang: 'en',
  userid: ctx.userid,
  siteurl: ctx.site.siteUrl,
  userpictureurl: `${ctx.site.siteUrl}/theme/image.php/boost/core/1/u/f1`,
  functions: [...ctx.token.functions].map((name) => ({ name, version: ctx.site.version })),
  downloadfiles: 1,
  uploadfiles: 1,
  release: ctx.site.release,
  version: ctx.site.version,
  mobilecssurl: '',
  advancedfeatures: [
    { name: 'usecomments', value: 1 },
    { name: 'usetags', value: 1 },
    { name: 'enablecompletion', value: 1 },
  ],
  usercanmanageownfiles: true,
  userquota: 104857600,
  usermaxuploadfilesize: 104857600,
  userhomepage: 1,
  userprivateaccesskey: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
  siteid: 1,
  sitecalendartype: 'gregorian',
  usercalendartype: 'gregorian',
  userissiteadmin: ctx.user.admin === 'system',
  theme: 'boost',
  limitconcurrentlogins: 0,
  policyagreed: 1,
});

const getCourseContents: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  ctx.requireAccess(course);
  const base = ctx.site.siteUrl;
  return [
    {
      id: 1000 + Number(course.restId),
      name: 'General',
      visible: 1,
      summary: '',
      summaryformat: 1,
      section: 0,
      hiddenbynumsections: 0,
      uservisible: true,
      component: null,
      itemid: null,
      modules: modulesOf(ctx, course)
        .filter((m) => m.visible)
        .map((m) => ({
          id: m.cmid,
          url: `${base}/mod/${m.modname}/view.php?id=${m.cmid}`,
          name: m.name,
          instance: m.instance,
          contextid: 5000 + m.cmid,
          visible: 1,
          uservisible: true,
          visibleoncoursepage: 1,
          modicon: `${base}/theme/image.php/boost/${m.modname}/1/monologo`,
          modname: m.modname,
          purpose: m.modname === 'forum' ? 'collaboration' : 'assessment',
          branded: false,
          modplural: m.modplural,
          availability: null,
          indent: 0,
          onclick: '',
          afterlink: null,
          activitybadge: [],
          customdata: '""',
          noviewlink: false,
          completion: m.completion,
          downloadcontent: 1,
          dates: m.dates,
          groupmode: 0,
        })),
    },
  ];
};

function learnersIn(ctx: WsContext, course: Course): User[] {
  return ctx.site.directory
    .activeMembers(course.handle)
    .filter((m) => m.enrolment.role === 'learner')
    .map((m) => m.user);
}

const getGradeItems: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  ctx.requireAccess(course);
  ctx.require('gradereport/user:view');
  const userid = params.int('userid', 0);
  params.int('groupid', 0);
  let users: User[];
  if (userid === 0) {
    ctx.require('moodle/grade:viewall');
    users = learnersIn(ctx, course);
  } else {
    const { user, other } = ctx.target(userid);
    if (other) ctx.require('moodle/grade:viewall');
    users = [user];
  }
  const site = ctx.site;
  const activities = [
    ...site.quizzesIn(course.handle).map((q) => ({
      module: 'quiz',
      instance: q.id,
      cmid: q.cmid,
      name: q.name,
      itemId: q.gradeItemId,
      max: q.grade,
      feedback: (_u: number) => '',
    })),
    ...site.assignmentsIn(course.handle).map((a) => ({
      module: 'assign',
      instance: a.id,
      cmid: a.cmid,
      name: a.name,
      itemId: a.gradeItemId,
      max: a.grade,
      feedback: (u: number) => {
        const latest = site.latestSubmission(a.id, u);
        return (latest && site.gradeOf(a.id, u, latest.attemptnumber)?.feedback) ?? '';
      },
    })),
  ];
  return {
    usergrades: users.map((u) => {
      const uid = Number(u.restId);
      return {
        courseid: Number(course.restId),
        courseidnumber: course.sourcedId,
        userid: uid,
        userfullname: `${u.givenName} ${u.familyName}`,
        useridnumber: u.sourcedId,
        maxdepth: 2,
        gradeitems: [
          ...activities.map((a) => {
            const g = site.gradeItemGrade(a.itemId, u.sub);
            return {
              id: Number(a.itemId),
              itemname: a.name,
              itemtype: 'mod',
              itemmodule: a.module,
              iteminstance: a.instance,
              itemnumber: 0,
              idnumber: '',
              categoryid: null,
              outcomeid: null,
              scaleid: null,
              locked: false,
              cmid: a.cmid,
              graderaw: g?.score ?? null,
              gradedatesubmitted: g ? g.at : null,
              gradedategraded: g && g.score !== null ? g.at : null,
              gradehiddenbydate: false,
              gradeneedsupdate: false,
              gradeishidden: false,
              gradeislocked: false,
              gradeisoverridden: false,
              gradeformatted: g?.score != null ? g.score.toFixed(2) : '-',
              grademin: 0,
              grademax: a.max,
              rangeformatted: `0&ndash;${a.max}`,
              percentageformatted: g?.score != null ? `${((g.score * 100) / a.max).toFixed(2)} %` : '-',
              feedback: a.feedback(uid),
              feedbackformat: 1,
            };
          }),
          ...site.toolColumns(course.handle).map((item) => {
            const g = site.gradeItemGrade(item.id, u.sub);
            return {
              id: Number(item.id) || 0,
              itemname: item.label,
              itemtype: 'manual',
              itemmodule: null,
              iteminstance: null,
              itemnumber: 0,
              idnumber: '',
              categoryid: null,
              outcomeid: null,
              scaleid: null,
              locked: false,
              graderaw: g?.score ?? null,
              gradedatesubmitted: null,
              gradedategraded: g ? g.at : null,
              gradehiddenbydate: false,
              gradeneedsupdate: false,
              gradeishidden: false,
              gradeislocked: false,
              gradeisoverridden: false,
              gradeformatted: g?.score != null ? g.score.toFixed(2) : '-',
              grademin: 0,
              grademax: item.scoreMaximum,
              feedback: '',
              feedbackformat: 1,
            };
          }),
        ],
      };
    }),
    warnings: [],
  };
};

const getActivitiesCompletion: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  const { user, other } = ctx.target(params.int('userid'));
  ctx.requireAccess(course);
  if (other) ctx.require('report/progress:view');
  const uid = Number(user.restId);
  const tracked = ctx.isActiveLearner(user, course);
  return {
    statuses: modulesOf(ctx, course)
      .filter((m) => m.completion > 0)
      .map((m) => {
        const c = ctx.site.activityCompletion.find((x) => x.cmid === m.cmid && x.userid === uid);
        const state = tracked ? (c?.state ?? 0) : 0;
        return {
          cmid: m.cmid,
          modname: m.modname,
          instance: m.instance,
          state,
          timecompleted: tracked ? (c?.timecompleted ?? 0) : 0,
          tracking: m.completion,
          overrideby: null,
          valueused: false,
          hascompletion: true,
          isautomatic: m.completion === 2,
          istrackeduser: tracked,
          uservisible: true,
          details:
            m.completion === 2
              ? [
                  {
                    rulename: m.rule,
                    rulevalue: { status: state === 3 ? 3 : state > 0 ? 1 : 0, description: m.rule },
                  },
                ]
              : [],
        };
      }),
    warnings: [],
  };
};

const getCourseCompletion: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  const { user, other } = ctx.target(params.int('userid'));
  ctx.requireAccess(course);
  if (other && !ctx.has('report/completion:view'))
    throw new WsError('moodle_exception', 'cannotviewreport', 'You cannot view this report');
  if (!ctx.isActiveLearner(user, course))
    throw other
      ? new WsError('moodle_exception', 'usernotenroled', 'User is not enrolled in this course')
      : new WsError('moodle_exception', 'notenroled', 'You are not enrolled in this course');
  const cc = ctx.site.courseCompletion.get(course.handle);
  if (!cc || cc.criteria.length === 0)
    throw new WsError('moodle_exception', 'nocriteriaset', 'No completion criteria set for this course');
  const uid = Number(user.restId);
  return {
    completionstatus: {
      completed: cc.completed.has(uid),
      aggregation: 1,
      completions: cc.criteria.map((cr) => {
        const c = ctx.site.activityCompletion.find((x) => x.cmid === cr.cmid && x.userid === uid);
        const complete = c !== undefined && (c.state === 1 || c.state === 2);
        return {
          type: 4,
          title: 'Activity completion',
          status: complete ? 'Yes' : 'No',
          complete,
          timecompleted: complete ? c.timecompleted : null,
          details: {
            type: 'Activity completion',
            criteria: cr.title,
            requirement: cr.requirement,
            status: '',
          },
        };
      }),
    },
    warnings: [],
  };
};

/**
 * `core_enrol_get_enrolled_users(courseid, options[])`: the course's participants
 * (`moodle/course:viewparticipants`), with `onlyactive` honoured and each person's course
 * roles (`student`, `editingteacher`, `teacher`…) as Moodle's short names.
 */
const ROLE_SHORTNAMES: Record<string, { roleid: number; name: string; shortname: string }> = {
  learner: { roleid: 5, name: '', shortname: 'student' },
  instructor: { roleid: 3, name: '', shortname: 'editingteacher' },
  ta: { roleid: 4, name: '', shortname: 'teacher' },
  'content-developer': { roleid: 2, name: '', shortname: 'coursecreator' },
};
const getEnrolledUsers: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  ctx.requireAccess(course);
  ctx.require('moodle/course:viewparticipants');
  return ctx.site.directory
    .activeMembers(course.handle)
    .map(({ user, enrolment }) => ({
      id: Number(user.restId),
      username: user.username,
      firstname: user.givenName,
      lastname: user.familyName,
      fullname: `${user.givenName} ${user.familyName}`,
      email: user.email,
      idnumber: user.sourcedId,
      lang: user.locale.replace('-', '_').toLowerCase(),
      roles: [{ ...(ROLE_SHORTNAMES[enrolment.role] ?? ROLE_SHORTNAMES.learner!), sortorder: 0 }],
      enrolledcourses: [{ id: Number(course.restId), fullname: course.title, shortname: course.label }],
    }))
    .sort((a, b) => a.id - b.id);
};

/** The core functions by name. */
export const CORE_FUNCTIONS: Record<string, WsFunction> = {
  core_webservice_get_site_info: getSiteInfo,
  core_course_get_contents: getCourseContents,
  gradereport_user_get_grade_items: getGradeItems,
  core_completion_get_activities_completion_status: getActivitiesCompletion,
  core_completion_get_course_completion_status: getCourseCompletion,
  core_enrol_get_enrolled_users: getEnrolledUsers,
};
