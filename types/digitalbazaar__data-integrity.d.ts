// Shim: @digitalbazaar/data-integrity 2.x ships no types.
declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
    verificationMethod?: string;
  }
}
