/**
 * Delivery to a wallet (DCC Learner Credential Wallet) over a VC-API exchange with DID
 * authentication. The claim page links to the wallet with the exchange URL; the wallet POSTs
 * `{}` and gets a `DIDAuthentication` request (challenge, domain); it POSTs back a presentation
 * signed by its holder DID; Jalon checks it and answers with the badge re-issued to that DID
 * (`credentialSubject.id`), same status bit as the stored badge, so revoking the award revokes
 * it too. The exchange URL carries an HMAC of the badge id. A challenge is `hour.nonce.mac`
 * (the current and the previous hour are accepted), so nothing is stored until one is
 * answered; an answered challenge is recorded and never accepted again (`wallet_challenges`),
 * so a presentation captured on the way cannot be replayed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import express, { type Request, type Response, type Router } from 'express';
import { isObject } from '../badges/checks.js';
import { badgeById } from '../badges/issuance.js';
import { newUrnUuid } from '../badges/ids.js';
import { signCredential, verifyDidAuth } from '../badges/signing.js';
import { badgeLoader, currentIssuerKey, type BadgeStoreDeps } from '../badges/store.js';
import { awards } from '../db/schema/index.js';
import { spendChallenge } from '../badges/wallet-challenges.js';
import type { Logger } from '../log.js';
import type { UnsignedCredential } from '../badges/types.js';

/** What the exchange needs: the store (to re-sign) and a secret for its URLs and challenges. */
export interface BadgeExchangeDeps extends BadgeStoreDeps {
  secret: Buffer;
  log?: Logger;
}

const mac = (secret: Buffer, text: string) => createHmac('sha256', secret).update(text).digest('base64url');
const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const HOUR = 3_600_000;

/** The exchange URL of a badge (a capability: whoever has it may receive the badge in a wallet). */
export function exchangeUrl(deps: Pick<BadgeExchangeDeps, 'secret' | 'publicUrl'>, badgeId: string): string {
  return `${deps.publicUrl.replace(/\/+$/, '')}/exchanges/${badgeId}/${mac(deps.secret, `exchange:${badgeId}`)}`;
}

/** The Learner Credential Wallet deep link that starts the exchange. */
export function walletDeepLink(
  deps: Pick<BadgeExchangeDeps, 'secret' | 'publicUrl'>,
  badgeId: string,
): string {
  const request = {
    credentialRequestOrigin: new URL(deps.publicUrl).origin,
    protocols: { vcapi: exchangeUrl(deps, badgeId) },
  };
  return `https://lcw.app/request.html?request=${encodeURIComponent(JSON.stringify(request))}`;
}

/** A DID-auth challenge for a badge, issued in `hour` (hours since the epoch): `hour.nonce.mac`. */
export function walletChallenge(secret: Buffer, badgeId: string, hour: number, nonce: string): string {
  return `${hour}.${nonce}.${mac(secret, `challenge:${badgeId}:${hour}:${nonce}`)}`;
}

/** Whether `challenge` is one Jalon gave for this badge, in `hour` or the hour before. */
export function isWalletChallenge(
  secret: Buffer,
  badgeId: string,
  hour: number,
  challenge: unknown,
): challenge is string {
  if (typeof challenge !== 'string' || challenge.length > 200) return false;
  const [h, nonce, tag, ...rest] = challenge.split('.');
  if (!h || !nonce || !tag || rest.length > 0 || !/^\d+$/.test(h)) return false;
  const when = Number(h);
  return (
    (when === hour || when === hour - 1) && same(challenge, walletChallenge(secret, badgeId, when, nonce))
  );
}

/** The exchange routes (`/exchanges/:badgeId/:token`), public. */
export function badgeExchangeRouter(deps: BadgeExchangeDeps): Router {
  const r = express.Router();
  const loader = badgeLoader(deps.db, deps.publicUrl);
  const domain = new URL(deps.publicUrl).host;
  const newChallenge = (badgeId: string, hour: number) =>
    walletChallenge(deps.secret, badgeId, hour, randomBytes(16).toString('base64url'));
  const json = express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] });

  const fail = (res: Response, status: number, message: string, badgeId?: string) => {
    deps.log?.info({ badgeId, status, reason: message }, 'wallet exchange refused');
    res.status(status).json({ error: { message } });
  };

  r.post('/exchanges/:badgeId/:token', json, (req: Request, res: Response, next) => {
    (async () => {
      const badgeId = String(req.params.badgeId);
      const token = String(req.params.token);
      const badge = await badgeById(deps.db, badgeId);
      if (!badge || !same(token, mac(deps.secret, `exchange:${badgeId}`)))
        return fail(res, 404, 'unknown exchange', badgeId);
      const [award] = await deps.db.select().from(awards).where(eq(awards.id, badge.awardId));
      if (!award || award.status !== 'active') return fail(res, 410, 'this credential was revoked', badgeId);
      const body: unknown = req.body;
      const vp = isObject(body) ? body.verifiablePresentation : undefined;
      const hour = Math.floor(Date.now() / HOUR);
      if (vp === undefined) {
        res.json({
          verifiablePresentationRequest: {
            query: [
              {
                type: 'DIDAuthentication',
                acceptedMethods: [{ method: 'key' }],
                acceptedCryptosuites: [{ cryptosuite: 'eddsa-rdfc-2022' }],
              },
            ],
            challenge: newChallenge(badgeId, hour),
            domain,
          },
        });
        return;
      }
      const proofChallenge =
        isObject(vp) && Array.isArray(vp.proof) && isObject(vp.proof[0])
          ? vp.proof[0].challenge
          : isObject(vp) && isObject(vp.proof)
            ? vp.proof.challenge
            : undefined;
      if (!isWalletChallenge(deps.secret, badgeId, hour, proofChallenge))
        return fail(res, 400, 'the challenge is missing or has expired', badgeId);
      const challenge = proofChallenge;
      const auth = await verifyDidAuth(vp, loader, { challenge, domain });
      if (!auth.ok) return fail(res, 400, `DID authentication failed: ${auth.reason}`, badgeId);
      // Only after the proof checks out: a forged answer must not burn the learner's challenge.
      if (!(await spendChallenge(deps.db, challenge, badgeId)))
        return fail(res, 400, 'this challenge was already answered; ask the exchange for a new one', badgeId);
      const { proof: _proof, ...stored } = badge.credentials[badge.lang] as Record<string, unknown>;
      const subject = isObject(stored.credentialSubject) ? stored.credentialSubject : {};
      const unsigned = {
        ...stored,
        id: newUrnUuid(),
        credentialSubject: { id: auth.holder, ...subject },
      } as unknown as UnsignedCredential;
      const key = await currentIssuerKey(deps, badge.platformId);
      const credential = await signCredential(unsigned, key, loader);
      deps.log?.info({ badgeId, holder: auth.holder }, 'badge delivered to a wallet');
      res.json({
        verifiablePresentation: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          verifiableCredential: [credential],
        },
      });
    })().catch(next);
  });

  return r;
}
