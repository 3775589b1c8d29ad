// Shim: @digitalbazaar/vc 7.x ships no types. Only what src/badges/signing.ts uses.
declare module '@digitalbazaar/vc' {
  export type DocumentLoader = (url: string) => Promise<{
    contextUrl: string | null;
    document: unknown;
    documentUrl: string;
  }>;

  export interface VerifyResult {
    verified: boolean;
    error?: any;
    results?: Array<{
      verified: boolean;
      error?: any;
      proof?: any;
      purposeResult?: any;
      verificationMethod?: any;
    }>;
    statusResult?: any;
  }

  export function issue(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: Date | string;
    maxClockSkew?: number;
  }): Promise<Record<string, unknown>>;

  export function verifyCredential(options: {
    credential: unknown;
    suite: unknown;
    documentLoader: DocumentLoader;
    checkStatus?: (options: any) => Promise<{ verified: boolean; [k: string]: unknown }>;
    now?: Date | string;
    maxClockSkew?: number;
    controller?: unknown;
  }): Promise<VerifyResult>;

  export function signPresentation(options: {
    presentation: Record<string, unknown>;
    suite: unknown;
    documentLoader: DocumentLoader;
    challenge: string;
    domain?: string;
  }): Promise<Record<string, unknown>>;

  export function verify(options: {
    presentation: unknown;
    suite: unknown;
    documentLoader: DocumentLoader;
    challenge: string;
    domain?: string;
    unsignedPresentation?: boolean;
    now?: Date | string;
  }): Promise<VerifyResult & { presentationResult?: VerifyResult }>;

  export class CredentialIssuancePurpose {
    constructor(options?: { controller?: unknown; date?: Date | string; maxTimestampDelta?: number });
  }
}
