/**
 * What every launched page needs from its request: the launch the engine attached, the
 * query string that carries the launch (ltik) and the language to the next page, and the
 * course's micro-credential with its latest definition version.
 */
import type { Request, Response } from 'express';
import type { DefinitionRepository } from '../definitions/repository.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { HttpError } from './errors.js';
import { requestLang } from './views.js';

/** The launch of this request (set by the engine's `requireLaunch`). */
export const launchOf = (res: Response): LaunchContext => res.locals.launch as LaunchContext;

/** `ltik=…&lang=…`: links and forms keep the launch and the language. */
export const launchQuery = (req: Request, res: Response): string =>
  `ltik=${encodeURIComponent(launchOf(res).ltik)}&lang=${requestLang(req, res)}`;

/**
 * The launch's course micro-credential and its latest version (either may be absent); a
 * launch without a course is refused. Reads only: GET pages create nothing.
 */
export async function currentDefinition(repository: DefinitionRepository, launch: LaunchContext) {
  if (!launch.course?.id) throw new HttpError(400, 'definition:errors.noCourse', 'NO_COURSE_CONTEXT');
  const mc = await repository.find(launch.platformId, launch.course.id);
  const stored = mc ? await repository.latest(mc.id) : undefined;
  return { mc, stored };
}
