/**
 * Names and Role Provisioning. Moodle:
 * `/mod/lti/services.php/CourseSection/{course}/bindings/{type}/memberships`, short roles,
 * `?role=`, `?limit=&from=` with a well-formed `Link: <…>; rel="next"`. Canvas:
 * `/api/lti/courses/{course}/names_and_roles`, URI roles, pages of at most 50.
 */
import express, { type Request, type Response, type Router } from 'express';
import { isFailure } from './access-tokens.js';
import { MEDIA, SCOPE } from './constants.js';
import { nrpsRoles, passesRoleFilter } from './roles.js';
import type { PlatformState } from './state.js';

const CANVAS_MAX_PAGE = 50;

function memberships(state: PlatformState, req: Request, res: Response): void {
  const accept = req.get('accept');
  if (
    state.family === 'moodle' &&
    accept &&
    !accept
      .split(',')
      .every((e) =>
        [MEDIA.membershipContainer, MEDIA.membershipContainerV1].includes(e.split(';')[0]!.trim() as never),
      )
  ) {
    res.status(400).type('text/plain').send('unsupported content type');
    return;
  }
  const check = state.tokens.check(req, state.family, [SCOPE.nrps]);
  if (isFailure(check)) {
    res.status(check.status).json(check.body);
    return;
  }
  const tool = state.registry.require(check.clientId);
  if (state.family === 'moodle' && String(req.params.typeId) !== String(tool.typeId)) {
    res
      .status(401)
      .json({ status: 401, reason: 'Unauthorized', detail: 'binding does not match the access token' });
    return;
  }
  const course = state.directory.findCourseByRestId(String(req.params.courseId));
  if (!course) {
    res.status(404).json({ errors: [{ message: 'Course not found' }] });
    return;
  }
  const role = req.query.role === undefined ? undefined : String(req.query.role);
  const includeName = tool.shareName;
  const includeEmail = tool.shareEmail;
  const members = state.directory
    .activeMembers(course.handle)
    .filter((m) => role === undefined || passesRoleFilter(state.family, m.enrolment.role, m.user.admin, role))
    .map(({ user, enrolment }) => {
      const member: Record<string, unknown> = {
        status: 'Active',
        roles: nrpsRoles(state.family, enrolment.role, user.admin),
        user_id: user.sub,
      };
      if (state.family === 'moodle') member.lis_person_sourcedid = user.sourcedId;
      else {
        member.lti11_legacy_user_id = user.legacyId;
        if (includeName) member.lis_person_sourcedid = user.sourcedId;
      }
      if (includeName)
        Object.assign(member, {
          name: `${user.givenName} ${user.familyName}`,
          given_name: user.givenName,
          family_name: user.familyName,
        });
      if (includeEmail) member.email = user.email;
      return member;
    });
  const url = state.urls.memberships(course.restId, tool.typeId);
  const requested = Number(req.query.limit ?? req.query.per_page ?? 0);
  const roleQuery = role === undefined ? '' : `role=${encodeURIComponent(role)}&`;
  let shown = members;
  if (state.family === 'moodle') {
    if (Number.isInteger(requested) && requested > 0) {
      const from = Math.max(0, Number(req.query.from ?? 0) || 0);
      shown = members.slice(from, from + requested);
      if (from + requested < members.length)
        res.setHeader('Link', `<${url}?${roleQuery}limit=${requested}&from=${from + requested}>; rel="next"`);
    }
  } else {
    const limit =
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, CANVAS_MAX_PAGE) : CANVAS_MAX_PAGE;
    const pageNo = Math.max(1, Number(req.query.page ?? 1) || 1);
    shown = members.slice((pageNo - 1) * limit, pageNo * limit);
    const links = [`<${url}?${roleQuery}page=${pageNo}&per_page=${limit}>; rel="current"`];
    if (pageNo * limit < members.length)
      links.push(`<${url}?${roleQuery}page=${pageNo + 1}&per_page=${limit}>; rel="next"`);
    links.push(`<${url}?${roleQuery}page=1&per_page=${limit}>; rel="first"`);
    res.setHeader('Link', links.join(','));
  }
  const body = {
    id: url,
    context: { id: course.contextId, label: course.label, title: course.title },
    members: shown,
  };
  res.type(MEDIA.membershipContainer).send(JSON.stringify(body));
}

/** Route of NRPS for the platform's family. */
export function nrpsRouter(state: PlatformState): Router {
  const router = express.Router();
  const path =
    state.family === 'moodle'
      ? '/mod/lti/services.php/CourseSection/:courseId/bindings/:typeId/memberships'
      : '/api/lti/courses/:courseId/names_and_roles';
  router.get(path, (req, res) => memberships(state, req, res));
  return router;
}
