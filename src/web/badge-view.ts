/**
 * The verification page's view model: who, what, when, the issuer, every essential element the
 * credential states, each check and the verdict, in the reader's language. The credential may be
 * anything a stranger pasted, so every field is read defensively and shown as text (autoescaped).
 */
import { translator, type Lang } from '../i18n/index.js';
import { isObject } from '../badges/checks.js';
import { decisionResultDescriptionId } from '../badges/credential.js';
import { isUrnUuid } from '../badges/ids.js';
import type { VerificationResult } from '../badges/signing.js';

/** One line of the essentials list. */
export interface ViewFact {
  term: string;
  values: string[];
}

/** What the badge and verify pages show. */
export interface BadgeViewModel {
  verdict: string;
  verdictCode: VerificationResult['verdict'];
  valid: boolean;
  who?: string;
  what?: string;
  when?: string;
  validFrom?: string;
  validUntil?: string;
  issuer?: { name?: string; url?: string; id?: string };
  language?: string;
  facts: ViewFact[];
  checks: Array<{ id: string; label: string; outcome: string; result: string }>;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.slice(0, 2000) : typeof v === 'number' ? String(v) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, 50) : v === undefined ? [] : [v]);

function day(iso: unknown, lang: Lang): string | undefined {
  const s = str(iso);
  if (!s) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', {
    dateStyle: 'long',
    timeZone: 'UTC',
  }).format(d);
}

/** Builds the model for a credential and its verification result. */
export function badgeViewModel(credential: unknown, result: VerificationResult, lang: Lang): BadgeViewModel {
  const t = translator(lang);
  const label = (group: string, v: unknown): string | undefined => {
    const s = str(v);
    if (!s) return undefined;
    const key = `badges:${group}.${s}`;
    const out = t(key);
    return out === key || out === `${group}.${s}` ? s : out;
  };
  const model: BadgeViewModel = {
    verdict: t(`badges:verdict.${result.verdict}`),
    verdictCode: result.verdict,
    valid: result.valid,
    facts: [],
    checks: result.checks.map((c) => ({
      id: c.id,
      label: t(`badges:check.${c.id}`),
      outcome: c.outcome,
      result: t(`badges:code.${c.code}`),
    })),
  };
  if (!isObject(credential)) return model;
  const subject = isObject(credential.credentialSubject) ? credential.credentialSubject : {};
  const a = isObject(subject.achievement) ? subject.achievement : {};
  const issuer = credential.issuer;
  model.who = str(subject.name);
  model.what = str(a.name) ?? str(credential.name);
  model.when = day(credential.awardedDate ?? credential.validFrom, lang);
  model.validFrom = day(credential.validFrom, lang);
  model.validUntil =
    credential.validUntil === undefined ? t('claim:verify.noExpiry') : day(credential.validUntil, lang);
  model.issuer = isObject(issuer)
    ? { name: str(issuer.name), url: str(issuer.url), id: str(issuer.id) }
    : { id: str(issuer) };
  model.language = label('lang', a.inLanguage) ?? str(a.inLanguage);

  const fact = (term: string, values: Array<string | undefined>) => {
    const shown = values.filter((v): v is string => v !== undefined);
    if (shown.length > 0) model.facts.push({ term: t(`claim:verify.${term}`), values: shown });
  };
  fact('description', [str(a.description)]);
  fact('criteria', [str(isObject(a.criteria) ? a.criteria.narrative : undefined)]);
  fact('outcomes', arr(a.learningOutcomes).map(str));
  fact('hours', [str(a.notionalHours)]);
  fact('credits', [str(subject.creditsEarned ?? a.creditsAvailable)]);
  fact('level', [str(a.learningLevel)]);
  fact('deliveryMode', [label('deliveryMode', a.deliveryMode)]);
  const descriptions = arr(a.resultDescription).filter(isObject);
  // The assessment is the first description; a result names the one it answers (OB 3.0).
  const rd = descriptions[0];
  const res = arr(subject.result).find(isObject);
  const linked = res ? descriptions.find((d) => d.id === res.resultDescription) : undefined;
  fact('assessment', [str(rd?.name), ...arr(a.assessmentType).map((x) => label('assessmentType', x))]);
  if (res) {
    const achievementId = str(a.id);
    let shown: string | undefined;
    if (
      linked &&
      achievementId !== undefined &&
      isUrnUuid(achievementId) &&
      linked.id === decisionResultDescriptionId(achievementId)
    )
      // Jalon's "decided by the instructor" result: there is no score to show.
      shown = t('claim:verify.resultDecision');
    else if (linked?.resultType === 'Status' || (res.value === undefined && res.status !== undefined))
      shown = t('claim:verify.resultStatus', {
        name: str(linked?.name) ?? t('claim:verify.result'),
        status: str(res.status) ?? '?',
      });
    else
      shown = t('claim:verify.resultValue', {
        score: str(res.value) ?? '?',
        threshold: str((linked ?? rd)?.requiredValue) ?? '?',
        attempt: str(res.attemptNumber) ?? '?',
      });
    fact('result', [shown, subject.byPriorLearning === true ? t('claim:verify.priorLearning') : undefined]);
  }
  fact('supervision', [
    label('supervision', a.supervision),
    label('identityVerification', a.identityVerification),
  ]);
  fact('qualityAssurance', [str(isObject(a.qualityAssurance) ? a.qualityAssurance.name : undefined)]);
  fact(
    'learnerOutcome',
    arr(a.learnerOutcome).map((x) => label('learnerOutcome', x)),
  );
  fact('stackability', [
    label('stackability', a.stackability),
    ...arr(a.stacksTowards).map((s) => (isObject(s) ? str(s.name) : undefined)),
  ]);
  fact('prerequisites', [str(a.prerequisites)]);
  fact(
    'alignment',
    arr(a.alignment).map((al) =>
      isObject(al)
        ? [str(al.targetName), str(al.targetCode)].filter(Boolean).join(' · ') || undefined
        : undefined,
    ),
  );
  const start = day(subject.activityStartDate, lang);
  const end = day(subject.activityEndDate, lang);
  if (start || end) fact('period', [[start, end].filter(Boolean).join(' – ')]);
  return model;
}
