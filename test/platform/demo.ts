/**
 * `npm run demo`: starts a Moodle-like and a Canvas-like test platform, registers a tool
 * by LTI Dynamic Registration, activates it and launches it as a learner and an
 * instructor, printing each hop. The tool is the one at `JALON_REGISTRATION_URL` (e.g.
 * `http://127.0.0.1:3000/lti/register/<invite>` of a running Jalon) or, without it, the
 * platform's own mini tool. `--keep` leaves the platforms running.
 */
import { Browser } from './browser.js';
import { startMiniTool, type MiniTool } from './mini-tool.js';
import { startPlatform } from './platform.js';
import type { Family } from './types.js';

async function run(family: Family, registrationUrl: string): Promise<() => Promise<void>> {
  const platform = await startPlatform({ family });
  console.log(`\n== ${family} platform at ${platform.url} (iss ${platform.issuer})`);
  const reg = await platform.runDynamicRegistration(registrationUrl);
  console.log(
    `dynamic registration: HTTP ${reg.status}${reg.tool ? `, client_id ${reg.tool.clientId}, deployment ${reg.tool.deploymentIds[0]}, ${reg.tool.status}` : ' — no tool registered'}`,
  );
  if (!reg.tool) {
    console.log(reg.body.slice(0, 500));
    return () => platform.close();
  }
  platform.activateTool(reg.tool.clientId);
  for (const user of ['ana', 'prof']) {
    const result = await new Browser().launch(platform, { user, course: 'math', tool: reg.tool.clientId });
    console.log(`launch as ${user}:`);
    for (const s of result.steps) console.log(`  ${s.method} ${s.url.slice(0, 110)} → ${s.status}`);
  }
  return () => platform.close();
}

async function main(): Promise<void> {
  let mini: MiniTool | undefined;
  let url = process.env.JALON_REGISTRATION_URL;
  if (!url) {
    mini = await startMiniTool();
    url = mini.registerUrl;
    console.log(`no JALON_REGISTRATION_URL: using the mini tool at ${mini.url}`);
  }
  const closers = [await run('moodle', url), await run('canvas', url)];
  if (process.argv.includes('--keep')) {
    console.log('\nplatforms running; Ctrl-C to stop');
    return;
  }
  for (const close of closers) await close();
  await mini?.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
