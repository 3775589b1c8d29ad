// Shim: did-context is CommonJS without types; default-import it.
declare module 'did-context' {
  const didContext: {
    contexts: Map<string, Record<string, unknown>>;
    CONTEXT_URL: string;
    CONTEXT: Record<string, unknown>;
  };
  export default didContext;
}
