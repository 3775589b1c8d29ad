// Shim: @digitalbazaar/credentials-context ships no types (ESM, named exports).
declare module '@digitalbazaar/credentials-context' {
  /** Context URL → JSON-LD context document (VC 1.1, VC 2.0, undefined-terms v2). */
  export const contexts: Map<string, Record<string, unknown>>;
  /** Context URL → metadata. */
  export const metadata: Map<string, { id: string; shortName: string; context: Record<string, unknown> }>;
  /** Short name (`v1`, `v2`) → metadata. */
  export const named: Map<string, { id: string; shortName: string; context: Record<string, unknown> }>;
}
