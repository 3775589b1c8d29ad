/**
 * The LMS course page that shows a tool the way Moodle ("embed, without blocks") and
 * Canvas (module item) do by default: a page on the platform's origin holding an
 * `<iframe>` whose src is the LMS launch page, which opens the platform session and
 * auto-submits the login initiation to the tool. A real browser opening this page runs
 * the whole launch inside the frame, with the LMS as the frame's ancestor.
 *
 * Mount it with `startPlatform({ family, routes: coursePageRouter })`.
 */
import express, { type Request, type Response, type Router } from 'express';
import { escapeHtml } from './html.js';
import type { Platform, PreparedLaunch } from './platform.js';

const MOODLE_VIEW = '/mod/lti/view.php';
const CANVAS_ITEM = '/courses/:courseId/modules/items/:launchKey';

/** The course page that frames a prepared launch (open it in a browser to run the launch). */
export function coursePageUrl(platform: Platform, prepared: PreparedLaunch): string {
  const launch = new URL(prepared.url);
  if (platform.family === 'moodle') {
    // Moodle: view.php holds the frame, launch.php (same query) starts the launch.
    return `${launch.origin}${MOODLE_VIEW}${launch.search}`;
  }
  const course = /^\/courses\/([^/]+)\//.exec(launch.pathname)?.[1];
  if (!course) throw new Error(`not a Canvas launch page: ${prepared.url}`);
  return `${launch.origin}/courses/${course}/modules/items/${encodeURIComponent(prepared.key)}`;
}

function framePage(title: string, frame: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{margin:0;font:14px sans-serif}header{padding:8px 16px;background:#eee}iframe{display:block;border:0;width:100%;height:640px}</style>
</head><body>
<header><h1>${escapeHtml(title)}</h1></header>
<main>${frame}</main>
</body></html>`;
}

function moodleView(req: Request, res: Response): void {
  const query = new URL(req.originalUrl, 'http://x').search;
  // As Moodle 5.1 renders mod/lti/view.php for the "embed" launch container.
  const frame = `<iframe id="contentframe" title="Tool" src="launch.php${escapeHtml(query)}" allow="microphone *; camera *; geolocation *" allowfullscreen="1"></iframe>`;
  res.type('html').send(framePage('Course: tool', frame));
}

function canvasItem(req: Request, res: Response): void {
  const course = encodeURIComponent(String(req.params.courseId));
  const key = encodeURIComponent(String(req.params.launchKey));
  // As Canvas renders a module item: the tool in `tool_content`, launched "borderless".
  const src = `/courses/${course}/external_tools/retrieve?display=borderless&launch=${key}`;
  const frame = `<iframe name="tool_content" id="tool_content" class="tool_launch" title="Tool Content" src="${escapeHtml(src)}" allow="geolocation *; microphone *; camera *; midi *; encrypted-media *; autoplay *; clipboard-write *; display-capture *" allowfullscreen="true"></iframe>`;
  res.type('html').send(framePage('Course: tool', frame));
}

/** Routes serving the course page of the platform's family. */
export function coursePageRouter(platform: Platform): Router {
  const router = express.Router();
  if (platform.family === 'moodle') router.get(MOODLE_VIEW, moodleView);
  else router.get(CANVAS_ITEM, canvasItem);
  return router;
}
