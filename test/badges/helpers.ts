/**
 * Shared test setup for the badge core: an issuer with a real key and DID document, a published
 * status list, and a credential input carrying every essential-information element in both languages.
 */
import { buildDidDocument, didWeb } from '../../src/badges/did-web.js';
import { createDocumentLoader, type OfflineDocumentLoader } from '../../src/badges/document-loader.js';
import { newUrnUuid } from '../../src/badges/ids.js';
import { generateIssuerKey, publicKeyOf, type IssuerKey } from '../../src/badges/keys.js';
import { signStatusListCredential, StatusList } from '../../src/badges/status-list.js';
import type { CredentialInput, Lang } from '../../src/badges/types.js';

export const PUBLIC_URL = 'https://jalon.example.edu';
export const DEFINITION_ID = 'urn:uuid:2f1c9a56-3d0e-4b7a-9c61-5e2f8b7d4a10';

/** A bilingual text. */
export const b = (fr: string, en: string): { fr: string; en: string } => ({ fr, en });

/** An issuer with one key, its DID document registered, and an empty published status list. */
export interface TestIssuer {
  did: string;
  keys: IssuerKey[];
  loader: OfflineDocumentLoader;
  listUrl: string;
  list: StatusList;
  /** Re-signs and re-registers the status list (after a revocation). */
  publishList(): Promise<void>;
  /** Adds a newer key and republishes the DID document with all keys. */
  rotate(): IssuerKey;
}

export async function makeIssuer(path = 'issuers/college'): Promise<TestIssuer> {
  const did = didWeb('jalon.example.edu', path);
  const keys = [generateIssuerKey(did, new Date('2026-01-01T00:00:00Z'))];
  const loader = createDocumentLoader({ publicUrl: PUBLIC_URL });
  const listUrl = `${PUBLIC_URL}/status/${path.replace(/\//g, '-')}/1`;
  const list = StatusList.create();
  const issuer: TestIssuer = {
    did,
    keys,
    loader,
    listUrl,
    list,
    async publishList() {
      const newest = keys[keys.length - 1] as IssuerKey;
      loader.register(
        listUrl,
        await signStatusListCredential({ id: listUrl, issuer: did, list }, newest, loader),
      );
    },
    rotate() {
      const key = generateIssuerKey(did, new Date(Date.parse(keys[keys.length - 1]!.created) + 86_400_000));
      keys.push(key);
      loader.registerDidDocument(buildDidDocument(did, keys.map(publicKeyOf)));
      return key;
    },
  };
  loader.registerDidDocument(buildDidDocument(did, keys.map(publicKeyOf)));
  await issuer.publishList();
  return issuer;
}

/** A credential input with every essential-information element (MISSION.md rule 6). */
export function fullInput(
  issuer: Pick<TestIssuer, 'did' | 'listUrl'>,
  lang: Lang = 'fr',
  index = 7,
): CredentialInput {
  const now = Date.now();
  return {
    id: newUrnUuid(),
    lang,
    publicUrl: PUBLIC_URL,
    issuer: {
      id: issuer.did,
      name: b('Collège Boréal', 'Collège Boréal'),
      url: 'https://college.example.edu',
      email: 'microcertifications@college.example.edu',
      image: 'https://college.example.edu/logo.png',
      description: b('Collège francophone', 'French-language college'),
    },
    achievement: {
      id: DEFINITION_ID,
      version: '3',
      name: b('Secourisme en milieu de travail', 'Workplace first aid'),
      description: b('Intervenir lors d’une urgence au travail.', 'Respond to a workplace emergency.'),
      criteria: b(
        'Réussir l’évaluation sommative à 80 % ou plus.',
        'Pass the summative assessment at 80% or more.',
      ),
      learningOutcomes: [b('Évaluer une scène', 'Assess a scene'), b('Pratiquer la RCR', 'Perform CPR')],
      assessmentName: b('Évaluation pratique', 'Practical assessment'),
      assessmentTypes: ['practical-demonstration', 'test'],
      deliveryMode: 'hybrid',
      notionalHours: 15,
      creditsAvailable: 1,
      prerequisites: b('Aucun', 'None'),
      supervision: 'supervised',
      identityVerification: 'photo-id',
      qualityAssurance: {
        name: b('Conseil ontarien de la qualité', 'Ontario Quality Council'),
        url: 'https://oqc.example.org',
      },
      learnerOutcomes: ['credit', 'badge'],
      stackability: 'stackable',
      stacksTowards: [
        { name: b('Certificat en santé', 'Health certificate'), url: 'https://college.example.edu/cert' },
      ],
      learningLevel: b('Introduction', 'Introductory'),
      fieldOfStudy: b('Santé', 'Health'),
      alignments: [
        {
          targetName: b('Premiers soins', 'First aid'),
          targetUrl: 'https://framework.example.org/competencies/fa-1',
          targetType: 'ceasn:Competency',
          targetCode: 'FA-1',
          targetFramework: b('Cadre national', 'National framework'),
        },
      ],
      image: { id: 'https://college.example.edu/badges/first-aid.png', caption: b('Insigne', 'Badge') },
    },
    learner: { name: 'Ana Tremblay', email: 'Ana.Tremblay@example.com', identitySalt: 'c0ffee' },
    result: { score: 86, thresholdPercent: 80, attemptNumber: 2, byPriorLearning: false },
    dates: {
      awarded: new Date(now - 3_600_000),
      issued: new Date(now),
      validUntil: new Date(now + 3 * 365 * 86_400_000),
      activityStart: new Date('2026-09-01T00:00:00Z'),
      activityEnd: new Date('2026-10-15T00:00:00Z'),
    },
    status: { statusListCredential: issuer.listUrl, statusListIndex: index },
    evidence: [
      {
        name: b('Tentative 2', 'Attempt 2'),
        narrative: b('Démonstration réussie.', 'Demonstration passed.'),
      },
    ],
  };
}
