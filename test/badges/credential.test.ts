import { describe, expect, test } from '@jest/globals';
import {
  achievementEditionId,
  buildCredential,
  CredentialInputError,
  decisionResultDescriptionId,
  OB_SCHEMA_URL,
  resultDescriptionId,
} from '../../src/badges/credential.js';
import {
  jalonContextUrl,
  OB_EXTENSIONS_CONTEXT_URL,
  OB_V3_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from '../../src/badges/contexts/index.js';
import { emailIdentityMatches, hashEmail } from '../../src/badges/identity.js';
import { deriveUrnUuid, isUrnUuid, newUrnUuid } from '../../src/badges/ids.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { DEFINITION_ID, fullInput, PUBLIC_URL } from './helpers.js';

const issuer = { did: 'did:web:jalon.example.edu:issuers:college', listUrl: `${PUBLIC_URL}/status/1` };

describe('credential builder', () => {
  test('carries every essential-information element in the requested language', () => {
    const input = fullInput(issuer, 'fr');
    const vc = buildCredential(input);
    const a = vc.credentialSubject.achievement;
    expect(vc['@context']).toEqual([
      VC_V2_CONTEXT_URL,
      OB_V3_CONTEXT_URL,
      OB_EXTENSIONS_CONTEXT_URL,
      jalonContextUrl(PUBLIC_URL),
    ]);
    expect(vc.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(isUrnUuid(vc.id)).toBe(true);
    // title, description and purpose, criteria
    expect(vc.name).toBe('Secourisme en milieu de travail');
    expect(a.name).toBe('Secourisme en milieu de travail');
    expect(a.description).toBe('Intervenir lors d’une urgence au travail.');
    expect(a.criteria.narrative).toContain('80 %');
    expect(a.achievementType).toBe('MicroCredential');
    // issuer profile
    expect(vc.issuer).toMatchObject({
      id: issuer.did,
      type: ['Profile'],
      name: 'Collège Boréal',
      url: 'https://college.example.edu',
    });
    expect(vc.issuer.email).toBe('microcertifications@college.example.edu');
    expect(vc.issuer.image).toEqual({ id: 'https://college.example.edu/logo.png', type: 'Image' });
    // outcomes, mode, credits, hours, prerequisites, assessment, supervision, identity check
    expect(a.learningOutcomes).toEqual(['Évaluer une scène', 'Pratiquer la RCR']);
    expect(a.deliveryMode).toBe('hybrid');
    expect(a.creditsAvailable).toBe(1);
    expect(vc.credentialSubject.creditsEarned).toBe(1);
    expect(a.notionalHours).toBe(15);
    expect(a.prerequisites).toBe('Aucun');
    expect(a.assessmentType).toEqual(['practical-demonstration', 'test']);
    expect(a.supervision).toBe('supervised');
    expect(a.identityVerification).toBe('photo-id');
    // quality assurance, learner outcome, stackability, level, alignment
    expect(a.qualityAssurance).toEqual({
      name: 'Conseil ontarien de la qualité',
      url: 'https://oqc.example.org',
    });
    expect(a.learnerOutcome).toEqual(['credit', 'badge']);
    expect(a.stackability).toBe('stackable');
    expect(a.stacksTowards).toEqual([
      { name: 'Certificat en santé', url: 'https://college.example.edu/cert' },
    ]);
    expect(a.learningLevel).toBe('Introduction');
    expect(a.alignment?.[0]).toMatchObject({
      type: ['Alignment'],
      targetName: 'Premiers soins',
      targetType: 'ceasn:Competency',
      targetCode: 'FA-1',
    });
    // assessment threshold and score, attempt, prior learning
    expect(a.resultDescription[0]).toMatchObject({
      resultType: 'Percent',
      requiredValue: '80',
      name: 'Évaluation pratique',
    });
    expect(vc.credentialSubject.result).toEqual([
      {
        type: ['Result'],
        resultDescription: a.resultDescription[0]?.id,
        value: '86',
        status: 'Completed',
        attemptNumber: 2,
      },
    ]);
    expect(vc.credentialSubject.byPriorLearning).toBe(false);
    // period of learning, dates, expiry, evidence
    expect(vc.credentialSubject.activityStartDate).toBe('2026-09-01T00:00:00Z');
    expect(vc.credentialSubject.activityEndDate).toBe('2026-10-15T00:00:00Z');
    expect(Date.parse(vc.validFrom)).toBe(
      Math.floor((input.dates.issued as Date).getTime() / 1000) * 1000 - 60_000,
    );
    expect(vc.awardedDate).toBe(input.dates.awarded.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(vc.validUntil).toBe((input.dates.validUntil as Date).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(vc.evidence).toEqual([
      { type: ['Evidence'], name: 'Tentative 2', narrative: 'Démonstration réussie.' },
    ]);
    // revocation entry and schema reference
    expect(vc.credentialStatus).toEqual({
      id: `${issuer.listUrl}#7`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '7',
      statusListCredential: issuer.listUrl,
    });
    expect(vc.credentialSchema).toEqual([{ id: OB_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }]);
  });

  test('the two language editions point at each other', () => {
    const fr = buildCredential(fullInput(issuer, 'fr')).credentialSubject.achievement;
    const en = buildCredential(fullInput(issuer, 'en')).credentialSubject.achievement;
    expect(en.name).toBe('Workplace first aid');
    expect(en.prerequisites).toBe('None');
    expect(fr.inLanguage).toBe('fr');
    expect(en.inLanguage).toBe('en');
    expect(fr.id).toBe(achievementEditionId(DEFINITION_ID, 'fr'));
    expect(fr.id).not.toBe(en.id);
    expect(fr.related).toEqual([{ id: en.id, type: ['Related'], inLanguage: 'en', version: '3' }]);
    expect(en.related).toEqual([{ id: fr.id, type: ['Related'], inLanguage: 'fr', version: '3' }]);
    expect(en.resultDescription[0]?.id).toBe(resultDescriptionId(DEFINITION_ID, 'en'));
  });

  test('names the learner by a salted hash of the e-mail, never the address', () => {
    const vc = buildCredential(fullInput(issuer));
    const [identity] = vc.credentialSubject.identifier;
    expect(identity).toEqual({
      type: 'IdentityObject',
      identityType: 'emailAddress',
      hashed: true,
      identityHash: hashEmail('ana.tremblay@example.com', 'c0ffee'),
      salt: 'c0ffee',
    });
    expect(identity?.identityHash).toMatch(/^sha256\$[0-9a-f]{64}$/);
    expect(JSON.stringify(vc).toLowerCase()).not.toContain('ana.tremblay@example.com');
    expect(emailIdentityMatches(identity, ' ANA.tremblay@example.com ')).toBe(true);
    expect(emailIdentityMatches(identity, 'someone@example.com')).toBe(false);
    expect(emailIdentityMatches({ ...identity, salt: 'other' }, 'ana.tremblay@example.com')).toBe(false);
    // The OB specification's own example: 'a@example.com' salted with 'Kosher'.
    expect(hashEmail('a@example.com', 'Kosher')).toBe(
      'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399',
    );
  });

  test('is pure: the same input gives the same credential', () => {
    const input = fullInput(issuer);
    expect(buildCredential(input)).toEqual(buildCredential(structuredClone(input)));
  });

  test('the unsigned credential already fits the 1EdTech schema; a malformed one does not', () => {
    const result = validateOpenBadgeCredential(buildCredential(fullInput(issuer)));
    expect(result).toEqual({ valid: true, errors: [] });
    const broken = { ...buildCredential(fullInput(issuer)), credentialSchema: { id: OB_SCHEMA_URL } };
    expect(validateOpenBadgeCredential(broken).valid).toBe(false);
  });

  test('omits optional elements that were not given', () => {
    const input = fullInput(issuer);
    const {
      creditsAvailable: _c,
      prerequisites: _p,
      qualityAssurance: _q,
      stacksTowards: _s,
      ...achievement
    } = input.achievement;
    const vc = buildCredential({
      ...input,
      achievement: { ...achievement, stackability: 'standalone' },
      dates: { awarded: new Date() },
    });
    const a = vc.credentialSubject.achievement;
    expect(a).not.toHaveProperty('creditsAvailable');
    expect(vc.credentialSubject).not.toHaveProperty('creditsEarned');
    expect(a).not.toHaveProperty('qualityAssurance');
    expect(vc).not.toHaveProperty('validUntil');
    expect(validateOpenBadgeCredential(vc).valid).toBe(true);
  });

  test.each([
    ['a non-urn credential id', { id: 'abc' }],
    [
      'a score under the threshold',
      { result: { score: 79, thresholdPercent: 80, attemptNumber: 1, byPriorLearning: false } },
    ],
    [
      'a score over 100',
      { result: { score: 101, thresholdPercent: 80, attemptNumber: 1, byPriorLearning: false } },
    ],
    [
      'attempt zero',
      { result: { score: 90, thresholdPercent: 80, attemptNumber: 0, byPriorLearning: false } },
    ],
    [
      'an expiry before the issue date',
      { dates: { awarded: new Date(), validUntil: new Date(Date.now() - 1000) } },
    ],
    [
      'an issuer that is not a did:web',
      { issuer: { id: 'https://college.example.edu', name: 'C', url: 'https://c.example', email: 'a@b.c' } },
    ],
    ['a relative status list URL', { status: { statusListCredential: '/status/1', statusListIndex: 1 } }],
    [
      'a negative status index',
      { status: { statusListCredential: 'https://x.example/s', statusListIndex: -1 } },
    ],
    [
      'a decision with attempt zero',
      {
        result: {
          kind: 'decision',
          thresholdPercent: 80,
          decisionName: { fr: 'Décision', en: 'Decision' },
          attemptNumber: 0,
          byPriorLearning: false,
        },
      },
    ],
    [
      'a decision without a name in the edition language',
      {
        result: {
          kind: 'decision',
          thresholdPercent: 80,
          decisionName: { fr: 'Décision', en: '' },
          byPriorLearning: false,
        },
        lang: 'en',
      },
    ],
    ['an unsupported language', { lang: 'de' }],
    ['a learner without an e-mail', { learner: { name: 'Ana', email: 'nobody', identitySalt: 's' } }],
  ])('rejects %s', (_label, override) => {
    expect(() => buildCredential({ ...fullInput(issuer), ...override } as never)).toThrow(
      CredentialInputError,
    );
  });

  test('an instructor’s decision is a Status result with no score, linked to its own description', () => {
    const input = fullInput(issuer, 'fr');
    input.result = {
      kind: 'decision',
      thresholdPercent: 80,
      decisionName: { fr: 'Décidé par la personne enseignante', en: 'Decided by the instructor' },
      attemptNumber: 2,
      byPriorLearning: true,
    };
    const vc = buildCredential(input);
    const a = vc.credentialSubject.achievement;
    expect(a.resultDescription.map((d) => d.resultType)).toEqual(['Percent', 'Status']);
    expect(a.resultDescription[1]).toEqual({
      id: decisionResultDescriptionId(a.id),
      type: ['ResultDescription'],
      name: 'Décidé par la personne enseignante',
      resultType: 'Status',
    });
    expect(vc.credentialSubject.result).toEqual([
      {
        type: ['Result'],
        resultDescription: a.resultDescription[1]!.id,
        status: 'Completed',
        attemptNumber: 2,
      },
    ]);
    expect(vc.credentialSubject.byPriorLearning).toBe(true);
    expect(validateOpenBadgeCredential(vc).valid).toBe(true);
    // Stable, and distinct from the assessment's description.
    expect(decisionResultDescriptionId(a.id)).toBe(decisionResultDescriptionId(a.id));
    expect(decisionResultDescriptionId(a.id)).not.toBe(resultDescriptionId(DEFINITION_ID, 'fr'));
  });

  test('rejects a text missing in the edition language', () => {
    const input = fullInput(issuer, 'en');
    expect(() =>
      buildCredential({ ...input, achievement: { ...input.achievement, name: { fr: 'Titre', en: ' ' } } }),
    ).toThrow(/achievement\.name is empty in "en"/);
  });

  test('derives stable name-based urn:uuid ids', () => {
    const id = deriveUrnUuid(DEFINITION_ID, 'achievement:fr');
    expect(isUrnUuid(id)).toBe(true);
    expect(id[23]).toBe('5'); // UUID version 5
    expect(deriveUrnUuid(DEFINITION_ID, 'achievement:fr')).toBe(id);
    expect(deriveUrnUuid(DEFINITION_ID, 'achievement:en')).not.toBe(id);
    expect(() => deriveUrnUuid('not-a-urn', 'x')).toThrow(TypeError);
    expect(isUrnUuid(newUrnUuid())).toBe(true);
    // RFC 9562 test vector: v5 of "www.example.com" in the DNS namespace.
    expect(deriveUrnUuid('urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      'urn:uuid:2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
