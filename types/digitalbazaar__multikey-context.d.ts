// Shim: @digitalbazaar/multikey-context is CommonJS without types; default-import it.
declare module '@digitalbazaar/multikey-context' {
  const multikeyContext: {
    contexts: Map<string, Record<string, unknown>>;
    CONTEXT_URL: string;
    CONTEXT: Record<string, unknown>;
  };
  export default multikeyContext;
}
