/** Minimal types for jsonld 9 (used directly only by the badges benchmark's baseline). */
declare module 'jsonld' {
  interface ToRdfOptions {
    format?: 'application/n-quads';
    documentLoader?: (url: string) => Promise<unknown>;
    safe?: boolean;
  }
  const jsonld: {
    toRDF(input: object, options?: ToRdfOptions): Promise<unknown>;
  };
  export default jsonld;
}
