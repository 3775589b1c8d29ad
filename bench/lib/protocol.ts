/**
 * Messages between the benchmark driver and a tool under test running in its own process.
 * Each tool gets a process because ltijs's Provider is a process-wide singleton (Jalon
 * and the bare ltijs baseline cannot share one), and so that its CPU can be attributed.
 */

/** Where the tool listens; the driver registers it on the test platform with these. */
export interface ToolEndpoints {
  /** Origin of the tool, e.g. `http://127.0.0.1:41234`. */
  url: string;
  loginUrl: string;
  /** The launch (id_token form_post) URL, also the target link URI. */
  launchUrl: string;
  jwksUrl: string;
}

/** The platform as the tool must trust it (from the test platform, after `addTool`). */
export interface TrustedPlatform {
  issuer: string;
  clientId: string;
  deploymentId: string;
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  productFamily: string;
}

/** Cumulative counters of a tool process; the driver takes differences around a slice. */
export interface ProcessSample {
  /** process.cpuUsage(), microseconds. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  /** Outgoing HTTP requests (node:http and fetch), e.g. JWKS fetches. */
  outgoingHttp: number;
  /** Calls into the ltijs storage plugin. */
  storeCalls: number;
  /** SQL statements sent (Jalon only; 0 for the in-memory baseline). */
  dbQueries: number;
  /** Sum of the statements' durations, milliseconds (overlaps when concurrent). */
  dbMs: number;
}

/** Driver → tool. */
export type ToTool = { t: 'trust'; platform: TrustedPlatform } | { t: 'sample' } | { t: 'stop' };

/** Tool → driver. */
export type FromTool =
  | { t: 'listening'; endpoints: ToolEndpoints }
  | { t: 'trusted' }
  | { t: 'sample'; sample: ProcessSample }
  | { t: 'failed'; message: string };

/** Marker in the page the bare-ltijs baseline shows after a launch (checked by the driver). */
export const BASELINE_PAGE_MARKER = 'bare-ltijs-connected';
