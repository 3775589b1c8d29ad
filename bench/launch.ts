/**
 * `launch` benchmark (issue 8 §10): complete LTI 1.3 launches per second and their p95 at 1
 * and 20 concurrent on loopback, Jalon beside a bare ltijs app, interleaved.
 *
 * A launch is what a learner's browser does: the LMS page → login initiation → the
 * platform's auth endpoint → id_token form_post → the tool's redirects → the first page
 * (Jalon's learner page; the baseline's `onConnect` page), with a fresh test browser (empty
 * cookie jar) each time, from the Moodle-shaped test platform. Jalon and the baseline each
 * run in their own process; the platform and the browsers share the driver process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser, startPlatform, type Platform } from '../test/platform/index.js';
import { runInterleaved, type SlicePlan, type Target } from './lib/interleave.js';
import { BASELINE_PAGE_MARKER } from './lib/protocol.js';
import { startToolProcess, type ToolProcess } from './lib/tool-process.js';
import type { BenchContext, BenchResult, Benchmark, Comparison } from './lib/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LEARNERS = ['ana', 'ben', 'chloe', 'dana'];
const COURSE = 'math';

interface Plan {
  warmup: number;
  cases: Array<SlicePlan & { label: string }>;
}

const plan = (quick: boolean): Plan => {
  const common = { opTimeoutMs: 15_000 };
  return quick
    ? {
        warmup: 4,
        cases: [
          { label: 'c=1', concurrency: 1, rounds: 2, opsPerSlice: 5, sliceTimeLimitMs: 5_000, ...common },
          { label: 'c=20', concurrency: 20, rounds: 2, opsPerSlice: 20, sliceTimeLimitMs: 5_000, ...common },
        ],
      }
    : {
        warmup: 40,
        cases: [
          { label: 'c=1', concurrency: 1, rounds: 4, opsPerSlice: 40, sliceTimeLimitMs: 12_000, ...common },
          {
            label: 'c=20',
            concurrency: 20,
            rounds: 4,
            opsPerSlice: 160,
            sliceTimeLimitMs: 15_000,
            ...common,
          },
        ],
      };
};

/** One launch against `tool`; throws unless it ends on the expected first page. */
async function launchOnce(
  platform: Platform,
  tool: { clientId: string; url: string },
  index: number,
  landed: (final: { url: string; body: string }) => boolean,
): Promise<Record<string, number>> {
  const user = LEARNERS[index % LEARNERS.length]!;
  const r = await new Browser().launch(platform, { user, course: COURSE, tool: tool.clientId });
  if (r.final.status !== 200 || !landed(r.final)) {
    const where = new URL(r.final.url).pathname;
    const text = r.final.body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 160);
    throw new Error(`launch ended with ${r.final.status} at ${where}: ${text}`);
  }
  return {
    toolRequests: r.steps.filter((s) => s.url.startsWith(tool.url)).length,
    platformRequests: r.steps.filter((s) => s.url.startsWith(platform.url)).length,
  };
}

function targetFor(
  name: string,
  proc: ToolProcess,
  platform: Platform,
  clientId: string,
  landed: (final: { url: string; body: string }) => boolean,
): Target {
  const tool = { clientId, url: proc.endpoints.url };
  return {
    name,
    op: (i) => launchOnce(platform, tool, i, landed),
    async sample() {
      const s = await proc.sample();
      return {
        cpuUs: s.cpuUserUs + s.cpuSystemUs,
        counters: {
          outgoingHttp: s.outgoingHttp,
          storeCalls: s.storeCalls,
          dbQueries: s.dbQueries,
          dbMs: s.dbMs,
        },
      };
    },
  };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const p = plan(ctx.quick);
  const stops: Array<() => Promise<void>> = [];
  try {
    ctx.progress('launch: starting the test platform, Jalon and bare ltijs (own processes)…');
    const platform = await startPlatform({ family: 'moodle' });
    stops.push(() => platform.close());
    const starting = [
      startToolProcess('jalon', path.join(HERE, 'apps', 'jalon-app.ts'), {
        profileDir: ctx.profileDir,
        env: ctx.postgresUrl ? { BENCH_DATABASE_URL: ctx.postgresUrl } : {},
      }),
      startToolProcess('ltijs', path.join(HERE, 'apps', 'bare-ltijs-app.ts'), { profileDir: ctx.profileDir }),
    ];
    const settled = await Promise.allSettled(starting);
    for (const s of settled) if (s.status === 'fulfilled') stops.push(() => s.value.stop());
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const [jalon, bare] = settled.map((s) => (s as PromiseFulfilledResult<ToolProcess>).value) as [
      ToolProcess,
      ToolProcess,
    ];

    const register = async (proc: ToolProcess) => {
      const e = proc.endpoints;
      const { clientId, deploymentId } = platform.addTool({
        name: `bench ${proc.name}`,
        loginUrl: e.loginUrl,
        redirectUris: [e.launchUrl],
        jwksUrl: e.jwksUrl,
        targetLinkUri: e.launchUrl,
      });
      await proc.trust({
        issuer: platform.issuer,
        clientId,
        deploymentId,
        authEndpoint: platform.endpoints.auth,
        tokenEndpoint: platform.endpoints.token,
        jwksUri: platform.endpoints.jwks,
        productFamily: platform.family,
      });
      return clientId;
    };
    const [jalonClient, bareClient] = await Promise.all([register(jalon), register(bare)]);

    const subject = targetFor('jalon', jalon, platform, jalonClient, (f) =>
      f.url.includes('/lti/learner?ltik='),
    );
    const baseline = targetFor('ltijs', bare, platform, bareClient, (f) =>
      f.body.includes(BASELINE_PAGE_MARKER),
    );

    ctx.progress(`launch: warming up (${p.warmup} launches each)…`);
    const warm = await runInterleaved(subject, baseline, {
      concurrency: 4,
      rounds: 2,
      opsPerSlice: Math.ceil(p.warmup / 2),
      sliceTimeLimitMs: 20_000,
      opTimeoutMs: 15_000,
    });
    // A broken tool would only produce a table of errors: stop here and say why.
    for (const m of [warm.subject, warm.baseline]) {
      if (m.errors) throw new Error(`${m.target}: warm-up launches failed: ${m.firstError}`);
    }

    const comparisons: Comparison[] = [];
    for (const c of p.cases) {
      ctx.progress(
        `launch ${c.label}: ${c.rounds} rounds × ${c.opsPerSlice} launches per target, interleaved…`,
      );
      const m = await runInterleaved(subject, baseline, c, (round, target, ops) =>
        ctx.progress(`  round ${round + 1} ${target}: ${ops.toFixed(1)} launches/s`),
      );
      comparisons.push({ label: c.label, ...m });
    }
    const [js, bs] = await Promise.all([jalon.sample(), bare.sample()]);
    const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
    return {
      comparisons,
      notes: [
        'A launch: LMS page → login initiation → platform auth → id_token POST → redirects → first page;',
        '  fresh browser (empty cookie jar) per launch; Moodle-shaped test platform; learners rotate.',
        `  jalon = startServer on ${ctx.postgresUrl ? 'PostgreSQL (--postgres)' : 'in-memory PGlite'}, its learner page;`,
        '  ltijs = stock ltijs 5.9.9, in-memory plugin, onConnect page. Each tool in its own process.',
        ctx.postgresUrl
          ? "tool CPU = CPU of the tool process (the PostgreSQL server's own CPU is not counted)."
          : 'tool CPU = CPU of the tool process (for Jalon this includes PGlite, which runs in-process).',
        'driver CPU = the driver process: test platform (RS256 id_token signing, JWKS, LMS pages) and the',
        '  test browsers — identical work for both targets, but it competes for the same cores.',
        `RSS at the end: jalon ${mb(js.rssBytes)}, ltijs ${mb(bs.rssBytes)}.`,
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** The launch benchmark (see the file comment). */
export const benchmark: Benchmark = {
  name: 'launch',
  description: 'complete LTI 1.3 launches (login → id_token → first page), Jalon vs bare ltijs',
  run,
};
