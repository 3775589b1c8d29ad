/**
 * Launched badge pages. The learner's claim: the award of the launch's user in the launch's
 * course, a form to confirm the name and e-mail the credential will carry, then the badge issued
 * at once with its downloads. The instructor's list of the course's awards, with a revocation form.
 * The award is looked up from the launch session only: an award id in a form is accepted only when
 * it is the launch user's own award in the launch's course. Forms carry the ltik, bound to the
 * session cookie, as the anti-forgery token (as every launched form does).
 */
import { and, desc, eq } from 'drizzle-orm';
import express, { type Request, type Response, type Router } from 'express';
import { BadgeError, badgeOfAward, issueBadge, revokeBadge, type IssuedBadge } from '../badges/issuance.js';
import { verificationUrl, type BadgeStoreDeps } from '../badges/store.js';
import { awards, issuedBadges, microcredentials } from '../db/schema/index.js';
import { translator, type Lang } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import type { MicroCredentialDefinition } from '../microcredentials/definition.js';
import { definitionVersions } from '../db/schema/index.js';
import { HttpError } from './errors.js';
import { pickText } from './learner-page.js';
import { renderPage, requestLang } from './views.js';
import { launchOf, launchQuery } from './launched.js';

/** What the claim pages need. */
export interface ClaimPagesDeps extends BadgeStoreDeps {
  engine: LtiEngine;
  /** Path prefix of the LTI routes (`/lti`). */
  base: string;
  /** Called after a badge was issued for the first time (e.g. to queue its e-mail). */
  onIssued?: (badge: IssuedBadge) => Promise<void>;
  /** The wallet deep link of a badge (VC-API exchange), when wallets are offered. */
  walletLink?: (badgeId: string) => string;
  log?: Logger;
}

type Award = typeof awards.$inferSelect;

/** The launch user's award in the launch's course, if any (optionally: this award id only). */
export async function ownAward(
  deps: Pick<BadgeStoreDeps, 'db'>,
  launch: LaunchContext,
  awardId?: string,
): Promise<{ award: Award; definition: MicroCredentialDefinition } | undefined> {
  if (!launch.course?.id) return undefined;
  const rows = await deps.db
    .select({ award: awards, definition: definitionVersions.definition })
    .from(awards)
    .innerJoin(microcredentials, eq(microcredentials.id, awards.microcredentialId))
    .innerJoin(definitionVersions, eq(definitionVersions.id, awards.definitionVersionId))
    .where(
      and(
        eq(microcredentials.platformId, launch.platformId),
        eq(microcredentials.contextId, launch.course.id),
        eq(awards.userId, launch.userId),
        ...(awardId !== undefined ? [eq(awards.id, awardId)] : []),
      ),
    )
    .orderBy(desc(awards.awardedAt))
    .limit(1);
  const row = rows[0];
  return row ? { award: row.award, definition: row.definition as MicroCredentialDefinition } : undefined;
}

function day(d: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'long' }).format(d);
}

/** The routes, mounted on the LTI engine. */
export function claimPagesRouter(deps: ClaimPagesDeps): Router {
  const { engine, base } = deps;
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });
  const learnerOnly = engine.requireLaunch('learner', 'instructor');
  const instructorOnly = engine.requireLaunch('instructor');
  const query = launchQuery;

  const badgeLinks = (badge: IssuedBadge, lang: Lang) => {
    const url = verificationUrl(deps.publicUrl, badge.id);
    const edition = `edition=${lang}`;
    return {
      url: `${url}?lang=${lang}&${edition}`,
      json: `${url}/credential.json?${edition}`,
      png: `${url}/badge.png?${edition}`,
      svg: `${url}/badge.svg?${edition}`,
      ...(deps.walletLink && { wallet: deps.walletLink(badge.id) }),
    };
  };

  const show = async (
    req: Request,
    res: Response,
    view: { problem?: string; name?: string; email?: string; status?: number; awardId?: string },
  ) => {
    const launch = launchOf(res);
    const lang = requestLang(req, res);
    const t = translator(lang);
    const own = await ownAward(deps, launch, view.awardId);
    const badge = own ? await badgeOfAward(deps.db, own.award.id) : undefined;
    renderPage(
      req,
      res,
      'claim.njk',
      {
        launch,
        base,
        q: query(req, res),
        problem: view.problem,
        award: own && {
          id: own.award.id,
          title: pickText(own.definition.title, lang),
          revoked: own.award.status === 'revoked',
        },
        name: view.name ?? own?.award.learnerName ?? launch.name ?? '',
        email: view.email ?? own?.award.learnerEmail ?? launch.email ?? '',
        badge: badge && {
          issuedOn: t('claim:page.issuedOn', { date: day(badge.issuedAt, lang), name: badge.recipientName }),
          links: badgeLinks(badge, lang),
        },
      },
      view.status ?? (own || view.awardId === undefined ? 200 : 404),
    );
  };

  r.get('/claim', learnerOnly, (req, res, next) => {
    const awardId = typeof req.query.award === 'string' ? req.query.award : undefined;
    show(req, res, { ...(awardId !== undefined && { awardId }) }).catch(next);
  });

  r.post('/claim', learnerOnly, form, (req, res, next) => {
    claim(req, res).catch(next);
  });

  const claim = async (req: Request, res: Response): Promise<void> => {
    const launch = launchOf(res);
    const lang = requestLang(req, res);
    const t = translator(lang);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const email = typeof body.email === 'string' ? body.email : '';
    const awardId = typeof body.awardId === 'string' ? body.awardId : '';
    const own = awardId ? await ownAward(deps, launch, awardId) : undefined;
    if (!own) {
      deps.log?.warn({ userId: launch.userId, awardId }, 'claim refused: not the launch user’s award');
      return show(req, res, { problem: t('claim:errors.no-award'), status: 404, awardId });
    }
    try {
      const { badge, created } = await issueBadge(deps, own.award.id, { name, email }, { lang });
      if (created) await deps.onIssued?.(badge);
    } catch (e) {
      if (e instanceof BadgeError) {
        const status = e.code === 'bad-name' || e.code === 'bad-email' ? 400 : 409;
        return show(req, res, { problem: t(`claim:errors.${e.code}`), status, name, email, awardId });
      }
      throw e;
    }
    await show(req, res, { awardId, status: 200 });
  };

  // ---- Instructor: the course's awards, and revocation ----
  const courseAwards = async (launch: LaunchContext) => {
    if (!launch.course?.id) throw new HttpError(400, 'definition:errors.noCourse', 'NO_COURSE_CONTEXT');
    return deps.db
      .select({ award: awards, badgeId: issuedBadges.id })
      .from(awards)
      .innerJoin(microcredentials, eq(microcredentials.id, awards.microcredentialId))
      .leftJoin(issuedBadges, eq(issuedBadges.awardId, awards.id))
      .where(
        and(
          eq(microcredentials.platformId, launch.platformId),
          eq(microcredentials.contextId, launch.course.id),
        ),
      )
      .orderBy(desc(awards.awardedAt));
  };

  const showAwards = async (req: Request, res: Response, problem?: string, status = 200, done?: string) => {
    const lang = requestLang(req, res);
    const rows = await courseAwards(launchOf(res));
    renderPage(
      req,
      res,
      'awards.njk',
      {
        launch: launchOf(res),
        base,
        q: query(req, res),
        problem,
        done,
        awards: rows.map(({ award, badgeId }) => ({
          id: award.id,
          learner: award.learnerName ?? award.userId,
          awardedOn: day(award.awardedAt, lang),
          revoked: award.status === 'revoked',
          revokedReason: award.revokedReason,
          url: badgeId ? verificationUrl(deps.publicUrl, badgeId) : undefined,
        })),
      },
      status,
    );
  };

  r.get('/awards', instructorOnly, (req, res, next) => {
    showAwards(req, res).catch(next);
  });

  r.post('/awards/revoke', instructorOnly, form, (req, res, next) => {
    (async () => {
      const launch = launchOf(res);
      const t = translator(requestLang(req, res));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const awardId = typeof body.awardId === 'string' ? body.awardId : '';
      const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
      const inCourse = (await courseAwards(launch)).some((row) => row.award.id === awardId);
      if (!inCourse) return showAwards(req, res, t('claim:errors.no-award'), 404);
      if (reason === '' || reason.length > 1000)
        return showAwards(req, res, t('claim:awards.reasonRequired'), 400);
      try {
        await revokeBadge(deps, awardId, reason, `instructor:${launch.userId}`);
      } catch (e) {
        if (e instanceof BadgeError) return showAwards(req, res, t(`claim:errors.${e.code}`), 409);
        throw e;
      }
      await showAwards(req, res, undefined, 200, t('claim:awards.revoked'));
    })().catch(next);
  });

  return r;
}
