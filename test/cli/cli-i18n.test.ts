/**
 * The administration CLI in French and in English: the language it picks from its
 * environment, the same commands answering in each language (results, refusals, commander's
 * own errors, `--help`), and the `cli` namespace complete in both languages.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, urlLines, type CommandContext } from '../../src/cli/commands.js';
import { langFromEnv } from '../../src/i18n/index.js';
import { ConnectorSettingsStore } from '../../src/connectors/settings.js';
import { createSealer } from '../../src/crypto/seal.js';
import { PlatformRegistry } from '../../src/platforms/registry.js';
import { ROOT } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const NBSP = '\u00a0';
const u = 'https://jalon.example.edu/lti';
const urls = {
  login: `${u}/login`,
  launch: u,
  jwks: `${u}/keys`,
  registration: `${u}/register/x`,
  deepLinking: u,
};

let database: TestDatabase;
let ctx: CommandContext;

beforeAll(async () => {
  database = await createTestDatabase();
  ctx = {
    registry: new PlatformRegistry(database.db),
    urls,
    connectorSettings: new ConnectorSettingsStore(database.db, createSealer(randomBytes(32), 'connectors')),
    database,
    config: { publicUrl: 'https://jalon.example.edu' },
  };
});

afterAll(async () => {
  await database?.close();
});

const add = (n: number) => [
  'platforms',
  'add',
  '--issuer',
  `https://moodle${n}.example.edu`,
  '--client-id',
  `client${n}`,
  '--auth-endpoint',
  `https://moodle${n}.example.edu/mod/lti/auth.php`,
  '--token-endpoint',
  `https://moodle${n}.example.edu/mod/lti/token.php`,
  '--jwks-uri',
  `https://moodle${n}.example.edu/mod/lti/certs.php`,
  '--deployment-id',
  '1',
  '--family',
  'moodle',
];

describe('the language of the CLI', () => {
  test('JALON_LANG, else LC_ALL, LC_MESSAGES, LANG; the first one set decides; anything not French is English', () => {
    expect(langFromEnv({})).toBe('en');
    expect(langFromEnv({ LANG: 'fr_CA.UTF-8' })).toBe('fr');
    expect(langFromEnv({ LANG: 'fr.UTF-8' })).toBe('fr');
    expect(langFromEnv({ LANG: 'fr_FR@euro' })).toBe('fr');
    expect(langFromEnv({ LC_MESSAGES: 'fr_CA.UTF-8', LANG: 'en_CA.UTF-8' })).toBe('fr');
    expect(langFromEnv({ LC_ALL: 'C', LC_MESSAGES: 'fr_CA.UTF-8', LANG: 'fr_CA.UTF-8' })).toBe('en');
    expect(langFromEnv({ LC_ALL: 'fr_CA.UTF-8', LANG: 'en_US.UTF-8' })).toBe('fr');
    expect(langFromEnv({ JALON_LANG: 'fr', LC_ALL: 'en_US.UTF-8' })).toBe('fr');
    expect(langFromEnv({ JALON_LANG: 'en', LANG: 'fr_CA.UTF-8' })).toBe('en');
    expect(langFromEnv({ JALON_LANG: 'de', LANG: 'fr_CA.UTF-8' })).toBe('en');
    expect(langFromEnv({ JALON_LANG: '', LC_ALL: '', LANG: 'fr_CA.UTF-8' })).toBe('fr');
    expect(langFromEnv({ LANG: 'POSIX' })).toBe('en');
  });
});

describe('the same command in French and in English', () => {
  test('platforms add prints its result in the language asked for; English by default', async () => {
    const en = await runCommand(add(1), ctx);
    expect(en).toMatchObject({ code: 0, stderr: '' });
    expect(en.stdout).toMatch(/^Platform p-[0-9a-f]+ registered \(pending\)\.\n/);
    expect(en.stdout).toMatch(/Activate it with: npm run cli -- platforms activate p-[0-9a-f]+\n$/);
    const fr = await runCommand(add(2), ctx, { lang: 'fr' });
    expect(fr).toMatchObject({ code: 0, stderr: '' });
    expect(fr.stdout).toMatch(/^Plateforme p-[0-9a-f]+ inscrite \(en attente\)\.\n/);
    expect(fr.stdout).toMatch(
      new RegExp(`Activez-la avec${NBSP}: npm run cli -- platforms activate p-[0-9a-f]+\\n$`),
    );
    const id = /(p-[0-9a-f]+)/.exec(fr.stdout)![1]!;
    expect((await runCommand(['platforms', 'activate', id], ctx, { lang: 'fr' })).stdout).toBe(
      `Plateforme ${id} activée.\n`,
    );
    expect((await runCommand(['platforms', 'disable', id], ctx, { lang: 'en' })).stdout).toBe(
      `Platform ${id} disabled.\n`,
    );
  });

  test('the platform table has its headers in words of the language; --json stays the same', async () => {
    const en = await runCommand(['platforms', 'list'], ctx, { lang: 'en' });
    expect(en.stdout.split('\n')[0]).toBe('id\tstatus\tfamily\tissuer\tclient_id\tdeployment_ids');
    const fr = await runCommand(['platforms', 'list'], ctx, { lang: 'fr' });
    expect(fr.stdout.split('\n')[0]).toBe('id\tétat\tfamille\témetteur\tid_client\tid_déploiements');
    // The rows are data: the same in both languages.
    expect(fr.stdout.split('\n').slice(1)).toEqual(en.stdout.split('\n').slice(1));
    const jsonEn = await runCommand(['platforms', 'list', '--json'], ctx);
    const jsonFr = await runCommand(['platforms', 'list', '--json'], ctx, { lang: 'fr' });
    expect(jsonFr.stdout).toBe(jsonEn.stdout);
    expect(JSON.parse(jsonFr.stdout)).toHaveLength(2);
  });

  test('a refusal is in the language asked for, with the same exit code', async () => {
    const en = await runCommand(['platforms', 'activate', 'p-nope'], ctx, { lang: 'en' });
    expect(en).toEqual({ code: 3, stdout: '', stderr: 'Error: no platform with id p-nope\n' });
    const fr = await runCommand(['platforms', 'activate', 'p-nope'], ctx, { lang: 'fr' });
    expect(fr).toEqual({
      code: 3,
      stdout: '',
      stderr: `Erreur${NBSP}: aucune plateforme n’a l’identifiant p-nope\n`,
    });
    const [p] = await ctx.registry.list();
    const notCanvasEn = await runCommand(['push', 'canvas-enable', p!.id], ctx);
    expect(notCanvasEn).toMatchObject({ code: 2, stderr: `${p!.id} is not a Canvas platform.\n` });
    const notCanvasFr = await runCommand(['push', 'canvas-enable', p!.id], ctx, { lang: 'fr' });
    expect(notCanvasFr).toMatchObject({ code: 2, stderr: `${p!.id} n’est pas une plateforme Canvas.\n` });
    // The connector schema's messages (shared with the admin page) follow too.
    const badFr = await runCommand(
      ['connectors', 'set-moodle', p!.id, '--url', 'moodle', '--token', 'x'],
      ctx,
      { lang: 'fr' },
    );
    expect(badFr.code).toBe(2);
    expect(badFr.stderr).toContain('Saisissez une adresse Web commençant par https://');
  });

  test('a registry refusal keeps its detail and says what it is in French', async () => {
    const en = await runCommand(add(1), ctx, { lang: 'en' });
    expect(en.code).toBe(2);
    expect(en.stderr).toMatch(/^Error: platform https:\/\/moodle1\.example\.edu .*already registered/);
    const fr = await runCommand(add(1), ctx, { lang: 'fr' });
    expect(fr.code).toBe(2);
    expect(fr.stderr).toMatch(
      new RegExp(`^Erreur${NBSP}: une plateforme avec cet émetteur et cet ID client est déjà inscrite \\(`),
    );
  });

  test('commander’s own errors are translated, suggestions included', async () => {
    const en = await runCommand(['platforms', 'lst'], ctx, { lang: 'en' });
    expect(en).toMatchObject({ code: 2, stderr: "error: unknown command 'lst'\n(Did you mean list?)\n" });
    const fr = await runCommand(['platforms', 'lst'], ctx, { lang: 'fr' });
    expect(fr).toMatchObject({
      code: 2,
      stderr: `erreur${NBSP}: commande inconnue «${NBSP}lst${NBSP}»\n(Vouliez-vous dire list?)\n`,
    });
    const missingEn = await runCommand(['platforms', 'add'], ctx, { lang: 'en' });
    expect(missingEn.stderr).toBe("error: required option '--issuer <url>' not specified\n");
    const missingFr = await runCommand(['platforms', 'add'], ctx, { lang: 'fr' });
    expect(missingFr.stderr).toBe(
      `erreur${NBSP}: l’option obligatoire «${NBSP}--issuer <url>${NBSP}» n’est pas indiquée\n`,
    );
    const argFr = await runCommand(['connectors', 'test'], ctx, { lang: 'fr' });
    expect(argFr).toMatchObject({
      code: 2,
      stderr: `erreur${NBSP}: il manque l’argument obligatoire «${NBSP}id-plateforme${NBSP}»\n`,
    });
    const excessEn = await runCommand(['platforms', 'activate', 'a', 'b'], ctx, { lang: 'en' });
    expect(excessEn.stderr).toBe(
      "error: too many arguments for 'activate'. Expected 1 argument but got 2.\n",
    );
    const excessFr = await runCommand(['platforms', 'activate', 'a', 'b'], ctx, { lang: 'fr' });
    expect(excessFr.stderr).toContain(`erreur${NBSP}: trop d’arguments pour «${NBSP}activate${NBSP}»`);
  });

  test('--help has its headings, descriptions and placeholders in the language asked for', async () => {
    const en = await runCommand(['--help'], ctx, { lang: 'en' });
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/^Usage: jalon \[options\] \[command\]\n\nJalon administration\n/);
    expect(en.stdout).toContain('\nOptions:\n');
    expect(en.stdout).toContain('\nCommands:\n');
    expect(en.stdout).toMatch(/-h, --help +display help for command/);
    expect(en.stdout).toMatch(/help \[command\] +display help for command/);
    expect(en.stdout).toMatch(/urls +print the addresses to paste into the LMS/);

    const fr = await runCommand(['--help'], ctx, { lang: 'fr' });
    expect(fr.code).toBe(0);
    expect(fr.stdout).toMatch(
      new RegExp(`^Utilisation${NBSP}: jalon \\[options\\] \\[commande\\]\\n\\nAdministration de Jalon\\n`),
    );
    expect(fr.stdout).toContain(`\nOptions${NBSP}:\n`);
    expect(fr.stdout).toContain(`\nCommandes${NBSP}:\n`);
    expect(fr.stdout).toMatch(/-h, --help +afficher l’aide de la commande/);
    expect(fr.stdout).toMatch(/help \[commande\] +afficher l’aide d’une commande/);
    expect(fr.stdout).toMatch(/urls +afficher les adresses à coller/);
    for (const english of ['Usage:', 'Options:', 'Commands:', 'display help', 'print the addresses'])
      expect(fr.stdout).not.toContain(english);

    const addFr = await runCommand(['platforms', 'add', '--help'], ctx, { lang: 'fr' });
    expect(addFr.stdout).toMatch(/--name <nom> +nom affiché/);
    expect(addFr.stdout).toMatch(/--activate +activer tout de suite/);
    const helpCommandFr = await runCommand(['help', 'connectors'], ctx, { lang: 'fr' });
    expect(helpCommandFr.stdout).toMatch(/set-moodle \[options\] <id-plateforme> +définir \(ou remplacer\)/);
    // Without a subcommand, the help goes to stderr (exit 2), translated all the same.
    const bare = await runCommand(['badges'], ctx, { lang: 'fr' });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`Utilisation${NBSP}: jalon badges [options] [commande]`);
  });

  test('urls and urlLines: English lines as before by default, French lined up the same way', async () => {
    const english = [
      `Login URL:                  ${urls.login}`,
      `Launch URL:                 ${urls.launch}`,
      `JWKS URL:                   ${urls.jwks}`,
      `Dynamic registration URL:   ${urls.registration}`,
      `Deep linking URL:           ${urls.deepLinking}`,
    ].join('\n');
    expect(urlLines(urls)).toBe(english);
    expect((await runCommand(['urls'], ctx)).stdout).toBe(`${english}\n`);
    const french = urlLines(urls, 'fr');
    const fr = (await runCommand(['urls'], ctx, { lang: 'fr' })).stdout;
    expect(fr).toBe(`${french}\n`);
    const lines = french.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^URL de connexion${NBSP}: +${urls.login}$`));
    expect(lines[3]).toMatch(new RegExp(`^URL d’inscription dynamique${NBSP}: +${urls.registration}$`));
    // Every value starts in the same column.
    const columns = lines.map((l, i) => l.indexOf(Object.values(urls)[i]!));
    expect(new Set(columns).size).toBe(1);
  });
});

describe('the cli namespace', () => {
  const load = (lang: string) =>
    JSON.parse(readFileSync(path.join(ROOT, 'src/i18n/locales', lang, 'cli.json'), 'utf8')) as unknown;
  const flatten = (obj: unknown, prefix = ''): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (typeof v === 'string') out[key] = v;
      else Object.assign(out, flatten(v, key));
    }
    return out;
  };
  const params = (s: string) =>
    [...new Set([...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]))].sort();
  const en = flatten(load('en'));
  const fr = flatten(load('fr'));

  test('every key exists in both languages with the same interpolation parameters', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) {
      expect({ key, params: params(fr[key] ?? '') }).toEqual({ key, params: params(en[key]!) });
    }
    expect(Object.values(fr).every((v) => v.trim() !== '')).toBe(true);
  });

  test('every cli: key the CLI code names exists', () => {
    const dir = path.join(ROOT, 'src/cli');
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const m of source.matchAll(/'cli:([\w.]+)'/g)) used.add(m[1]!);
      // Keys built from a prefix (`cli:platforms.${name}.done`): the prefix must exist.
      for (const m of source.matchAll(/`cli:([\w.]+)\.\$\{/g))
        expect({ prefix: m[1], found: Object.keys(en).some((k) => k.startsWith(`${m[1]}.`)) }).toEqual({
          prefix: m[1],
          found: true,
        });
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter(
      (k) => !(k in en) && !Object.keys(en).some((e) => e.startsWith(`${k}_`)), // plural forms
    );
    expect(missing).toEqual([]);
  });

  test('the French uses typographic apostrophes and no-break spaces before colons and inside « »', () => {
    for (const [key, value] of Object.entries(fr)) {
      expect({ key, straightApostrophe: value.includes("'") }).toEqual({ key, straightApostrophe: false });
      expect({ key, spaceBeforeColon: / :/.test(value) }).toEqual({ key, spaceBeforeColon: false });
      expect({ key, spaceInGuillemets: /« | »/.test(value) }).toEqual({ key, spaceInGuillemets: false });
    }
  });
});
