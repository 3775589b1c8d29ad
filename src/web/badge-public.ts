/**
 * The public, login-free side of badges: the verification page of each issued badge (fr/en), its
 * downloads (JSON, baked PNG, baked SVG), its QR code and "Add to LinkedIn" link; what verifiers
 * fetch (each issuer's DID document, the signed status lists, Jalon's JSON-LD context, badge
 * images); and `/verify`, which checks a pasted credential or an uploaded baked image.
 */
import { eq } from 'drizzle-orm';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import multer from 'multer';
import QRCode from 'qrcode';
import { BakeError, bakePng, bakeSvg, unbake } from '../badges/bake.js';
import { isObject } from '../badges/checks.js';
import { JALON_CONTEXT_PATH, JALON_CONTEXT_V1_TEXT, JSON_LD_MEDIA_TYPE } from '../badges/contexts/index.js';
import { badgeById, imageUrl, publicImage, type IssuedBadge } from '../badges/issuance.js';
import { verifyCredential } from '../badges/signing.js';
import {
  badgeLoader,
  isKnownIssuer,
  issuerDidDocument,
  statusListCredential,
  verificationUrl,
} from '../badges/store.js';
import type { Db } from '../db/client.js';
import { awards } from '../db/schema/index.js';
import { translator, type Lang } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { badgeViewModel } from './badge-view.js';
import { renderPage, requestLang } from './views.js';

/** Largest badge image `/verify` accepts. */
export const VERIFY_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Largest pasted credential `/verify` accepts. */
export const VERIFY_MAX_TEXT_BYTES = 512 * 1024;

/** `/verify` checks per client address per quarter of an hour (each costs a few milliseconds of CPU). */
export const VERIFY_PER_IP_PER_15_MIN = 120;

/** What the public routes need. */
export interface BadgePublicDeps {
  db: Db;
  publicUrl: string;
  log?: Logger;
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: VERIFY_MAX_FILE_BYTES, files: 1, fields: 4, fieldSize: VERIFY_MAX_TEXT_BYTES },
}).single('badgeFile');

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A plain badge image carrying the title and issuer, for definitions without SVG artwork. */
export function defaultBadgeSvg(title: string, issuer: string): string {
  const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" role="img">` +
    `<title>${esc(title)}</title>` +
    `<circle cx="200" cy="200" r="190" fill="#1d4e89"/><circle cx="200" cy="200" r="170" fill="none" stroke="#fff" stroke-width="4"/>` +
    `<text x="200" y="190" text-anchor="middle" font-family="sans-serif" font-size="22" fill="#fff">${esc(short(title, 28))}</text>` +
    `<text x="200" y="230" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#fff">${esc(short(issuer, 36))}</text>` +
    `</svg>`
  );
}

function editionOf(badge: IssuedBadge, req: Request): { lang: Lang; credential: Record<string, unknown> } {
  const q = req.query.edition ?? req.query.lang;
  const lang: Lang = q === 'fr' || q === 'en' ? q : badge.lang;
  return { lang, credential: badge.credentials[lang] };
}

const nameOf = (credential: Record<string, unknown>) => {
  const s = isObject(credential.credentialSubject) ? credential.credentialSubject : {};
  const a = isObject(s.achievement) ? s.achievement : {};
  const issuer = isObject(credential.issuer) ? credential.issuer : {};
  return { title: String(a.name ?? credential.name ?? 'Badge'), issuer: String(issuer.name ?? '') };
};

/** The "Add to LinkedIn" (add certification) link with the credential's fields. */
export function linkedInUrl(credential: Record<string, unknown>, badgeId: string, url: string): string {
  const { title, issuer } = nameOf(credential);
  const p = new URLSearchParams({ startTask: 'CERTIFICATION_NAME', name: title, organizationName: issuer });
  const from = new Date(String(credential.awardedDate ?? credential.validFrom));
  if (!Number.isNaN(from.getTime())) {
    p.set('issueYear', String(from.getUTCFullYear()));
    p.set('issueMonth', String(from.getUTCMonth() + 1));
  }
  if (typeof credential.validUntil === 'string') {
    const until = new Date(credential.validUntil);
    if (!Number.isNaN(until.getTime())) {
      p.set('expirationYear', String(until.getUTCFullYear()));
      p.set('expirationMonth', String(until.getUTCMonth() + 1));
    }
  }
  p.set('certUrl', url);
  p.set('certId', badgeId);
  return `https://www.linkedin.com/profile/add?${p.toString()}`;
}

/** The public routes; mount with `app.use(badgePublicRouter(...))` (paths are absolute). */
export function badgePublicRouter(deps: BadgePublicDeps): Router {
  const r = express.Router();
  const loader = badgeLoader(deps.db, deps.publicUrl);
  const imagePrefix = imageUrl(deps.publicUrl, '');
  const prefix = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');

  const templateImage = async (credential: Record<string, unknown>, mime: string) => {
    const s = isObject(credential.credentialSubject) ? credential.credentialSubject : {};
    const a = isObject(s.achievement) ? s.achievement : {};
    const id = isObject(a.image) && typeof a.image.id === 'string' ? a.image.id : '';
    if (!id.startsWith(imagePrefix)) return undefined;
    const img = await publicImage(deps.db, id.slice(imagePrefix.length));
    return img && img.mime === mime ? img.bytes : undefined;
  };

  const loadBadge = async (req: Request, res: Response): Promise<IssuedBadge | undefined> => {
    const badge = await badgeById(deps.db, String(req.params.id));
    if (!badge) {
      const t = translator(requestLang(req, res));
      res.status(404).type('text').send(t('error.notFound'));
    }
    return badge;
  };

  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) =>
      fn(req, res).catch(next);

  // ---- What verifiers fetch ----
  r.get(JALON_CONTEXT_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=31536000, immutable');
    res.set('Access-Control-Allow-Origin', '*');
    res.type(JSON_LD_MEDIA_TYPE).send(JALON_CONTEXT_V1_TEXT);
  });

  r.get(
    '/issuers/:platformId/did.json',
    wrap(async (req, res) => {
      const doc = /^[A-Za-z0-9._~-]+$/.test(String(req.params.platformId))
        ? await issuerDidDocument(deps.db, deps.publicUrl, String(req.params.platformId))
        : undefined;
      if (!doc) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      res.set('Cache-Control', 'public, max-age=300');
      res.set('Access-Control-Allow-Origin', '*');
      res.type('application/did+json').send(JSON.stringify(doc));
    }),
  );

  r.get(
    '/badges/status/:listId',
    wrap(async (req, res) => {
      const id = String(req.params.listId);
      const vc = /^[A-Za-z0-9._-]+$/.test(id) ? await statusListCredential(deps.db, id) : undefined;
      if (!vc) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      // Short: a revocation must reach verifiers soon; ETag lets them revalidate cheaply.
      res.set('Cache-Control', 'public, max-age=300, must-revalidate');
      res.set('Access-Control-Allow-Origin', '*');
      res.type('application/vc+ld+json').send(JSON.stringify(vc));
    }),
  );

  r.get(
    '/badges/images/:imageId',
    wrap(async (req, res) => {
      const img = await publicImage(deps.db, String(req.params.imageId));
      if (!img) {
        res.status(404).type('text').send('not found');
        return;
      }
      res.set('Cache-Control', 'public, max-age=31536000, immutable');
      res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.type(img.mime).send(img.bytes);
    }),
  );

  // ---- Verifying any credential ----
  const showVerify = (req: Request, res: Response, ctx: Record<string, unknown>, status = 200) =>
    renderPage(req, res, 'verify.njk', { maxKb: VERIFY_MAX_FILE_BYTES / 1024, ...ctx }, status);

  r.get('/verify', (req, res) => showVerify(req, res, {}));

  const limiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: VERIFY_PER_IP_PER_15_MIN,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      deps.log?.warn({ ip: req.ip, reason: 'VERIFY_RATE_LIMITED' }, 'verification refused');
      showVerify(
        req,
        res,
        { problem: translator(requestLang(req, res))('claim:verify.errors.rateLimited') },
        429,
      );
    },
  });

  r.post('/verify', limiter, (req, res, next) => {
    upload(req, res, (err: unknown) => {
      verifyUpload(req, res, err).catch(next);
    });
  });

  const verifyUpload = async (req: Request, res: Response, uploadError: unknown): Promise<void> => {
    const lang = requestLang(req, res);
    const t = translator(lang);
    const problem = (key: string, status: number, params: Record<string, unknown> = {}) =>
      showVerify(
        req,
        res,
        {
          problem: t(key, params),
          pasted:
            typeof req.body?.credential === 'string' ? String(req.body.credential).slice(0, 20_000) : '',
        },
        status,
      );
    if (uploadError instanceof multer.MulterError) {
      if (uploadError.code === 'LIMIT_FILE_SIZE' || uploadError.code === 'LIMIT_FIELD_VALUE')
        return problem('claim:verify.errors.tooLarge', 413, { max: VERIFY_MAX_FILE_BYTES / 1024 });
      return problem('claim:verify.errors.malformed', 400);
    }
    if (uploadError) return problem('claim:verify.errors.malformed', 400);
    const body = (req.body ?? {}) as Record<string, unknown>;
    let credential: unknown;
    if (req.file && req.file.size > 0) {
      try {
        credential = unbake(req.file.buffer);
      } catch (e) {
        if (e instanceof BakeError) return problem(`badges:bake.${e.code}`, 400);
        throw e;
      }
    } else if (typeof body.credential === 'string' && body.credential.trim() !== '') {
      try {
        credential = JSON.parse(body.credential);
      } catch {
        return problem('claim:verify.errors.malformed', 400);
      }
    } else return problem('claim:verify.errors.empty', 400);
    if (!isObject(credential) || (!Array.isArray(credential.type) && typeof credential.type !== 'string'))
      return problem('claim:verify.errors.notCredential', 400);
    let result = await verifyCredential(credential, loader);
    // Verification is offline, against the keys this Jalon holds: a well-formed credential of an
    // issuer it does not know cannot be checked here, which is not the same as forged.
    if (
      result.verdict === 'invalid' &&
      result.checks.find((c) => c.id === 'structure')?.outcome === 'passed' &&
      result.issuerId !== undefined &&
      !(await isKnownIssuer(deps.db, deps.publicUrl, result.issuerId))
    )
      result = { ...result, verdict: 'unknown-issuer' };
    const accept = req.get('accept') ?? '';
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      res.json(result);
      return;
    }
    showVerify(req, res, { model: badgeViewModel(credential, result, lang) });
  };

  // ---- One issued badge ----
  r.get(
    '/badges/:id/credential.json',
    wrap(async (req, res) => {
      const badge = await loadBadge(req, res);
      if (!badge) return;
      const { lang, credential } = editionOf(badge, req);
      res.set('Content-Disposition', `attachment; filename="badge-${badge.id}-${lang}.json"`);
      res.set('Access-Control-Allow-Origin', '*');
      res.type('application/ld+json').send(JSON.stringify(credential, null, 2));
    }),
  );

  r.get(
    '/badges/:id/badge.png',
    wrap(async (req, res) => {
      const badge = await loadBadge(req, res);
      if (!badge) return;
      const { lang, credential } = editionOf(badge, req);
      const template =
        (await templateImage(credential, 'image/png')) ??
        (await QRCode.toBuffer(verificationUrl(deps.publicUrl, badge.id), {
          type: 'png',
          width: 400,
          margin: 2,
        }));
      res.set('Content-Disposition', `attachment; filename="badge-${badge.id}-${lang}.png"`);
      res.type('image/png').send(Buffer.from(bakePng(template, credential)));
    }),
  );

  r.get(
    '/badges/:id/badge.svg',
    wrap(async (req, res) => {
      const badge = await loadBadge(req, res);
      if (!badge) return;
      const { lang, credential } = editionOf(badge, req);
      const art = await templateImage(credential, 'image/svg+xml');
      const { title, issuer } = nameOf(credential);
      const svg = art ? Buffer.from(art).toString('utf8') : defaultBadgeSvg(title, issuer);
      res.set('Content-Disposition', `attachment; filename="badge-${badge.id}-${lang}.svg"`);
      res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.type('image/svg+xml').send(bakeSvg(svg, credential));
    }),
  );

  r.get(
    '/badges/:id/qr.png',
    wrap(async (req, res) => {
      const badge = await loadBadge(req, res);
      if (!badge) return;
      res.set('Cache-Control', 'public, max-age=86400');
      res.type('image/png').send(
        await QRCode.toBuffer(verificationUrl(deps.publicUrl, badge.id), {
          type: 'png',
          width: 240,
          margin: 2,
        }),
      );
    }),
  );

  r.get(
    '/badges/:id',
    wrap(async (req, res) => {
      let id = String(req.params.id);
      const asJson = id.endsWith('.json') || /application\/(ld\+)?json/.test(req.get('accept') ?? '');
      if (id.endsWith('.json')) id = id.slice(0, -'.json'.length);
      const badge = await badgeById(deps.db, id);
      const lang = requestLang(req, res);
      if (!badge) {
        if (asJson) res.status(404).json({ error: 'not found' });
        else res.status(404).type('text').send(translator(lang)('error.notFound'));
        return;
      }
      const { lang: edition, credential } = editionOf(badge, req);
      if (asJson) {
        res.set('Access-Control-Allow-Origin', '*');
        res.type('application/ld+json').send(JSON.stringify(credential));
        return;
      }
      let result = await verifyCredential(credential, loader);
      // Belt and braces: an award revoked without its bit set yet never shows as valid here.
      const [award] = await deps.db
        .select({ status: awards.status })
        .from(awards)
        .where(eq(awards.id, badge.awardId));
      if (award?.status === 'revoked' && result.valid)
        result = { ...result, valid: false, verdict: 'revoked' };
      const url = verificationUrl(deps.publicUrl, badge.id);
      const q = `edition=${edition}`;
      renderPage(req, res, 'badge.njk', {
        model: badgeViewModel(credential, result, lang),
        url,
        badgeId: badge.id,
        edition,
        otherEdition: edition === 'fr' ? 'en' : 'fr',
        downloads: {
          json: `${prefix}/badges/${badge.id}/credential.json?${q}`,
          png: `${prefix}/badges/${badge.id}/badge.png?${q}`,
          svg: `${prefix}/badges/${badge.id}/badge.svg?${q}`,
        },
        qr: `${prefix}/badges/${badge.id}/qr.png`,
        linkedin: linkedInUrl(credential, badge.id, url),
        verifyUrl: `${prefix}/verify`,
      });
    }),
  );

  return r;
}
