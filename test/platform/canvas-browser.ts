/**
 * What a person's browser does when a tool sends them to Canvas to authorise it: open the
 * authorize URL, sign in on the Canvas login page if there is no session, then click
 * "Authorize" (or "Cancel") on the confirmation page. It stops at Canvas' redirect to the
 * tool's redirect URI and returns that URL, so a test can hand its query to the tool.
 */
import type { Browser, BrowserStep } from './browser.js';
import { CANVAS_TEST_PASSWORD } from './canvas-oauth.js';
import { parseForm } from './html.js';
import type { Platform } from './platform.js';

/** The outcome of {@link authorizeInBrowser}. */
export interface AuthorizationRun {
  /** Canvas' redirect to the tool (`?code=…&state=…` or `?error=…`), when it redirected there. */
  callback?: URL;
  /** The page shown when Canvas did not redirect to the tool (an error, the login page…). */
  final: BrowserStep;
  steps: BrowserStep[];
}

/**
 * Runs the authorisation in `browser`. `user` signs in on the login page when the browser
 * has no Canvas session yet (default: the session's user must already exist).
 */
export async function authorizeInBrowser(
  platform: Platform,
  browser: Browser,
  authorizeUrl: string,
  options: { user?: string; decision?: 'accept' | 'deny'; password?: string } = {},
): Promise<AuthorizationRun> {
  const steps: BrowserStep[] = [];
  const toolHop = (s: BrowserStep) =>
    s.location && !s.location.startsWith(platform.url) ? new URL(s.location) : undefined;
  // Follow redirects inside Canvas only; stop at the one leaving for the tool.
  const go = async (first: Promise<BrowserStep>): Promise<BrowserStep> => {
    let step = await first;
    steps.push(step);
    for (let hops = 0; step.location && step.location.startsWith(platform.url) && hops < 10; hops++) {
      step = await browser.request('GET', step.location);
      steps.push(step);
    }
    return step;
  };
  let step = await go(browser.request('GET', authorizeUrl));
  if (toolHop(step)) return { callback: toolHop(step)!, final: step, steps };
  if (new URL(step.url).pathname === '/login/canvas' && step.status === 200) {
    if (!options.user) return { final: step, steps };
    const form = parseForm(step.body, step.url)!;
    const user = platform.user(options.user);
    form.fields['pseudonym_session[unique_id]'] = user.username;
    form.fields['pseudonym_session[password]'] = options.password ?? CANVAS_TEST_PASSWORD;
    step = await go(browser.request('POST', form.action, form.fields, { Origin: platform.url }));
    if (toolHop(step)) return { callback: toolHop(step)!, final: step, steps };
  }
  const form = step.status === 200 ? parseForm(step.body, step.url) : undefined;
  if (!form || new URL(form.action).pathname !== '/login/oauth2/accept') return { final: step, steps };
  if ((options.decision ?? 'accept') === 'accept') {
    step = await go(browser.request('POST', form.action, form.fields, { Origin: platform.url }));
  } else {
    const deny = /<a id="deny" href="([^"]+)"/.exec(step.body)?.[1];
    if (!deny) return { final: step, steps };
    step = await go(browser.request('GET', new URL(deny.replace(/&amp;/g, '&'), step.url).toString()));
  }
  const callback = toolHop(step);
  return callback ? { callback, final: step, steps } : { final: step, steps };
}
