/**
 * A real headless Chromium for browser tests: Debian's `/usr/bin/chromium` driven by
 * playwright-core (never a downloaded browser), with a throw-away profile whose cookie
 * settings are written before start (Chrome reads them only from the profile), plus
 * helpers to follow a tool inside an LMS frame and to run axe-core in a frame.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { chromium as playwright, type BrowserContext, type Frame, type Page } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Cookie settings of the profile. */
export interface ChromiumOptions {
  /**
   * Chrome's "Block third-party cookies" (`profile.cookie_controls_mode = 1`). Partitioned
   * (CHIPS) cookies are still allowed, as in Chrome. Default false (mode 0: allowed).
   */
  blockThirdPartyCookies?: boolean;
  /**
   * Site exceptions "block cookies of `site` when the top-level page is `under`": every
   * cookie of that site in such frames is refused, partitioned ones too, as Safari does.
   * Patterns as in Chrome's content settings (`http://localhost:*`).
   */
  blockCookiesInFrames?: Array<{ site: string; under: string }>;
  /** Browser language (sets Accept-Language), default `en-US`. */
  locale?: string;
}

/** A running Chromium with one persistent context. */
export interface Chromium {
  context: BrowserContext;
  /** A new tab; it records the console messages it sees in `consoleOf(page)`. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const consoles = new WeakMap<Page, string[]>();

/** Console messages (and page errors) seen by a page opened with `Chromium.newPage`. */
export function consoleOf(page: Page): string[] {
  return consoles.get(page) ?? [];
}

function watch(page: Page): Page {
  const lines: string[] = [];
  consoles.set(page, lines);
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  return page;
}

/**
 * Starts Chromium on a fresh profile. Fails (does not skip) when Chromium is missing:
 * browser tests are part of the suite.
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install chromium\` ` +
        '(the browser tests use the system Chromium and never download one).',
    );
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), 'jalon-chromium-'));
  const exceptions: Record<string, { setting: number }> = {};
  for (const e of options.blockCookiesInFrames ?? []) exceptions[`${e.site},${e.under}`] = { setting: 2 };
  mkdirSync(path.join(profile, 'Default'));
  writeFileSync(
    path.join(profile, 'Default', 'Preferences'),
    JSON.stringify({
      profile: {
        // Headless Chromium's default already blocks third-party cookies: always be explicit.
        cookie_controls_mode: options.blockThirdPartyCookies ? 1 : 0,
        block_third_party_cookies: !!options.blockThirdPartyCookies,
        content_settings: { exceptions: { cookies: exceptions } },
      },
    }),
  );
  const context = await playwright.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    headless: true,
    locale: options.locale ?? 'en-US',
    viewport: { width: 1100, height: 800 },
  });
  // Fail a broken step well inside jest's 60 s test timeout, with Playwright's own message.
  context.setDefaultTimeout(15_000);
  context.on('page', (p) => void (consoles.has(p) || watch(p)));
  return {
    context,
    async newPage() {
      return watch(await context.newPage());
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The frame the course page embeds (its first child frame), once it shows a URL matching `url`. */
export async function embeddedFrame(page: Page, url: RegExp): Promise<Frame> {
  await page.waitForSelector('iframe');
  const frame = page.mainFrame().childFrames()[0];
  if (!frame) throw new Error(`no frame in ${page.url()}`);
  await frame.waitForURL(url);
  await frame.waitForLoadState('load');
  return frame;
}

/** An accessibility problem found by axe-core. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.x A/AA rules and best practices) in a frame and returns the
 * violations of the given impacts (serious and critical by default). axe is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so Jalon's CSP
 * stays untouched.
 */
export async function axeViolations(
  frame: Frame,
  impacts: readonly string[] = ['serious', 'critical'],
): Promise<AxeViolation[]> {
  await frame.evaluate(axe.source);
  const all = await frame.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact ?? null, help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    })))`,
  );
  return all.filter((v) => v.impact !== null && impacts.includes(v.impact));
}
