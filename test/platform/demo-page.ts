/**
 * The demo's course page on the test platform (`/demo`): a tiny LMS course with the tool
 * placed in it and one button per person. Each button opens `/demo/launch/<persona>`,
 * which mints a fresh launch (launches are single use) and redirects to the LMS launch
 * page; that page opens the person's platform session and auto-submits the login to the
 * tool, exactly what a real browser does from Moodle or Canvas.
 */
import express, { type Router } from 'express';
import { escapeHtml, page } from './html.js';
import type { Platform } from './platform.js';

/** Someone a newcomer can act as on the demo page. */
export interface DemoPersona {
  /** URL segment (`/demo/launch/<key>`). */
  key: string;
  /** Platform user handle. */
  user: string;
  /** Button text. */
  label: string;
  /** One line under the button: where the person lands. */
  hint: string;
}

/** The four people of the demo course. */
export const DEMO_PERSONAS: readonly DemoPersona[] = [
  {
    key: 'instructor',
    user: 'prof',
    label: 'Act as the instructor (Prof, français)',
    hint: 'Marie Dubois, teacher of the course: Jalon’s course console.',
  },
  {
    key: 'learner-fr',
    user: 'ana',
    label: 'Act as a learner (Ana, français)',
    hint: 'Ana Martin, learner, interface in French: her micro-credential page.',
  },
  {
    key: 'learner-en',
    user: 'ben',
    label: 'Act as a learner (Ben, English)',
    hint: 'Ben Tremblay, learner, interface in English: his micro-credential page.',
  },
  {
    key: 'admin',
    user: 'admin',
    label: 'Act as the administrator',
    hint: 'Alex Admin, site administrator: the course console, with a link to Jalon’s administration.',
  },
];

/** Where the demo page lives and what it launches. */
export interface DemoPageOptions {
  /** Course handle shown on the page. */
  course: string;
  /**
   * The tool and placement to launch, once the tool is registered (the page exists before
   * registration); undefined while there is none.
   */
  target: () => { tool: string; resourceLink?: string } | undefined;
  personas?: readonly DemoPersona[];
}

/** Path of the demo course page. */
export const DEMO_PATH = '/demo';

/** Path that launches the tool as a persona. */
export function demoLaunchPath(persona: DemoPersona): string {
  return `${DEMO_PATH}/launch/${encodeURIComponent(persona.key)}`;
}

const STYLE = `
body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1d2125;background:#f5f6f8}
header{background:#0f47ad;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:baseline}
header strong{font-size:1.1rem}header span{opacity:.85;font-size:.85rem}
main{display:grid;grid-template-columns:minmax(16rem,22rem) 1fr;gap:1.2rem;padding:1.2rem}
section{background:#fff;border:1px solid #dee2e6;border-radius:.4rem;padding:1rem}
h1{font-size:1.4rem;margin:.1rem 0 .2rem}h2{font-size:1rem;margin:1rem 0 .5rem}
.crumbs{font-size:.85rem;color:#555}.activity{border-left:4px solid #0f47ad;padding:.3rem .6rem;background:#f0f4fb}
ul.personas{list-style:none;padding:0;margin:0}ul.personas li{margin:0 0 .8rem}
a.act{display:inline-block;background:#0f47ad;color:#fff;text-decoration:none;padding:.45rem .8rem;border-radius:.3rem}
a.act:focus,a.act:hover{background:#0b3580;outline:2px solid #f0ad4e}
.hint{display:block;font-size:.82rem;color:#555;margin-top:.25rem}
iframe{width:100%;height:78vh;border:1px solid #ced4da;border-radius:.3rem;background:#fff}
.note{font-size:.82rem;color:#555}
`;

// Shown in the frame until a person is chosen.
const PLACEHOLDER =
  '<!doctype html><meta charset="utf-8"><body style="font:15px system-ui,sans-serif;color:#555;padding:2rem">' +
  '<p>Choose a person on the left: Jalon opens here, as it would inside the LMS.</p>' +
  '<p lang="fr">Choisissez une personne à gauche&nbsp;: Jalon s’ouvre ici, comme dans la plateforme.</p>';

function coursePage(platform: Platform, options: DemoPageOptions, personas: readonly DemoPersona[]): string {
  const course = platform.course(options.course);
  const lms = platform.family === 'moodle' ? 'Moodle-shaped' : 'Canvas-shaped';
  const items = personas
    .map((p) => {
      const href = escapeHtml(demoLaunchPath(p));
      return `<li><a class="act" href="${href}" target="jalon-frame">${escapeHtml(p.label)}</a>
<span class="hint">${escapeHtml(p.hint)}
<a href="${href}" target="_blank" rel="noopener">Open in a new tab</a></span></li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(course.title)} — demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<header><strong>Example University</strong><span>${lms} LTI 1.3 test platform — no real LMS involved</span></header>
<main>
<section aria-labelledby="course">
<div class="crumbs">My courses › ${escapeHtml(course.label)}</div>
<h1 id="course">${escapeHtml(course.title)}</h1>
<h2>Week 1 · Semaine 1</h2>
<p class="activity">External tool: <strong>Jalon — micro-credential / microcertification</strong></p>
<h2>Who are you?</h2>
<ul class="personas">
${items}
</ul>
<p class="note">Each button signs you in to this test LMS as that person and launches Jalon through
LTI 1.3 (OpenID Connect login, signed id_token), below or in a new tab.</p>
</section>
<section aria-label="Jalon">
<iframe name="jalon-frame" title="Jalon" srcdoc="${escapeHtml(PLACEHOLDER)}"></iframe>
</section>
</main>
</body></html>`;
}

/** Routes of the demo page: `GET /demo` and `GET /demo/launch/:persona`. */
export function demoPageRouter(platform: Platform, options: DemoPageOptions): Router {
  const personas = options.personas ?? DEMO_PERSONAS;
  const router = express.Router();
  router.get(DEMO_PATH, (_req, res) => {
    res.type('html').send(coursePage(platform, options, personas));
  });
  router.get(`${DEMO_PATH}/launch/:persona`, async (req, res) => {
    const persona = personas.find((p) => p.key === req.params.persona);
    if (!persona) {
      res.status(404).type('html').send(page('Not found', 'No such person in the demo course.'));
      return;
    }
    const target = options.target();
    if (!target || platform.tool(target.tool).status !== 'active') {
      res
        .status(503)
        .type('html')
        .send(page('Tool not available', 'No tool is registered and active on this platform yet.'));
      return;
    }
    const launch = await platform.prepareLaunch({
      user: persona.user,
      course: options.course,
      tool: target.tool,
      ...(target.resourceLink ? { resourceLink: target.resourceLink } : {}),
    });
    // A fresh, single-use launch per click; never cached so "back" or a second click works.
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, launch.url);
  });
  return router;
}
