/**
 * A browser for tests: fetch with manual redirects, a cookie jar, form submission, and
 * the full LTI launch as a person's browser runs it — LMS page → login initiation
 * (auto-submitted form) → tool's redirect to the platform's auth endpoint → id_token
 * form_post to the tool → the tool's redirects → final page. Every hop is returned.
 */
import { CookieJar, type Cookie, type CookieJarOptions } from './cookie-jar.js';
import { parseForm, type HtmlForm } from './html.js';
import type { LaunchOptions, Platform, PreparedLaunch } from './platform.js';

/** One HTTP exchange. */
export interface BrowserStep {
  method: 'GET' | 'POST';
  url: string;
  /** Form fields sent with a POST. */
  requestBody?: Record<string, string>;
  status: number;
  headers: Headers;
  body: string;
  /** Absolute `Location` of a redirect. */
  location?: string;
  /** Cookies the jar refused from this response (e.g. third-party blocked). */
  refusedCookies: string[];
}

/** The last step of a navigation plus every hop that led to it. */
export interface Navigation extends BrowserStep {
  steps: BrowserStep[];
}

/** Everything a launch went through. */
export interface LaunchResult {
  prepared: PreparedLaunch;
  steps: BrowserStep[];
  /** The last page (what the person sees). */
  final: BrowserStep;
  /** The request to the tool's login URL (login initiation), if reached. */
  login?: BrowserStep;
  /** The platform auth endpoint's answer, if reached. */
  auth?: BrowserStep;
  /** The id_token POST to the tool's redirect URI, if reached. */
  launch?: BrowserStep;
  idToken?: string;
  state?: string;
}

/** Options of the browser. */
export interface BrowserOptions extends CookieJarOptions {
  userAgent?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A cookie-keeping test browser. */
export class Browser {
  readonly jar: CookieJar;
  private readonly userAgent: string;

  constructor(options: BrowserOptions = {}) {
    this.jar = new CookieJar(options);
    this.userAgent = options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) JalonTestBrowser/1.0';
  }

  /** One request, no redirect following. */
  async request(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<BrowserStep> {
    const h = new Headers({
      'User-Agent': this.userAgent,
      Accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      ...headers,
    });
    const cookie = this.jar.header(url);
    if (cookie) h.set('Cookie', cookie);
    let body: string | undefined;
    if (method === 'POST') {
      h.set('Content-Type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(form ?? {}).toString();
    }
    const res = await fetch(url, {
      method,
      headers: h,
      redirect: 'manual',
      ...(body !== undefined ? { body } : {}),
    });
    const refusedCookies = this.jar.store(url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    return {
      method,
      url,
      ...(form && method === 'POST' ? { requestBody: form } : {}),
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      ...(location ? { location: new URL(location, url).toString() } : {}),
      refusedCookies,
    };
  }

  /** A request followed through redirects (301/302/303 become GET; 307/308 keep method and body). */
  async navigate(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Navigation> {
    const steps: BrowserStep[] = [];
    let step = await this.request(method, url, form, headers);
    steps.push(step);
    for (let hops = 0; REDIRECTS.has(step.status) && step.location; hops++) {
      if (hops >= 20) throw new Error(`too many redirects from ${url}`);
      const keep = step.status === 307 || step.status === 308;
      step = await this.request(
        keep ? step.method : 'GET',
        step.location,
        keep ? step.requestBody : undefined,
      );
      steps.push(step);
    }
    return { ...step, steps };
  }

  /** GET with redirects followed. */
  get(url: string, headers?: Record<string, string>): Promise<Navigation> {
    return this.navigate('GET', url, undefined, headers);
  }

  /** Form POST with redirects followed. */
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Navigation> {
    return this.navigate('POST', url, form, headers);
  }

  /** Submits a form (parsed from a page, or given) as a browser does; GET forms replace the query. */
  submitForm(from: BrowserStep | HtmlForm): Promise<Navigation> {
    const form = 'action' in from ? from : parseForm(from.body, from.url);
    if (!form) throw new Error(`no form in page ${'url' in from ? from.url : ''}`);
    const origin = { Origin: new URL('url' in from ? from.url : form.action).origin };
    if (form.method === 'POST') return this.post(form.action, form.fields, origin);
    const target = new URL(form.action);
    target.search = new URLSearchParams(form.fields).toString();
    return this.get(target.toString());
  }

  /** Removes cookies (all, or those selected). */
  dropCookies(predicate?: (c: Cookie) => boolean): number {
    return this.jar.drop(predicate);
  }

  /** Runs a whole LTI launch from the platform's course page to the tool's final page. */
  async launch(platform: Platform, options: LaunchOptions): Promise<LaunchResult> {
    const prepared = await platform.prepareLaunch(options);
    const steps: BrowserStep[] = [];
    const done = (extra: Partial<LaunchResult>): LaunchResult => ({
      prepared,
      steps,
      final: steps[steps.length - 1]!,
      ...extra,
    });
    const lmsPage = await this.get(prepared.url);
    steps.push(...lmsPage.steps);
    const loginForm = lmsPage.status === 200 ? parseForm(lmsPage.body, lmsPage.url) : undefined;
    if (!loginForm) return done({});
    const toTool = await this.submitForm(loginForm);
    steps.push(...toTool.steps);
    const login = toTool.steps[0];
    const authPath = new URL(platform.endpoints.auth).pathname;
    const auth = toTool.steps.find(
      (s) => new URL(s.url).pathname === authPath && s.url.startsWith(platform.url),
    );
    const idForm = auth && auth.status === 200 ? parseForm(auth.body, auth.url) : undefined;
    if (!auth || auth !== toTool.steps[toTool.steps.length - 1] || !idForm?.fields.id_token) {
      return done({ ...(login ? { login } : {}), ...(auth ? { auth } : {}) });
    }
    const launched = await this.submitForm(idForm);
    steps.push(...launched.steps);
    return done({
      ...(login ? { login } : {}),
      auth,
      launch: launched.steps[0]!,
      idToken: idForm.fields.id_token,
      ...(idForm.fields.state !== undefined ? { state: idForm.fields.state } : {}),
    });
  }
}
