// Shim: @digitalbazaar/vc-bitstring-status-list 2.x ships no types.
declare module '@digitalbazaar/vc-bitstring-status-list' {
  export interface StatusCheckResult {
    verified: boolean;
    error?: any;
    results?: Array<{ verified: boolean; status?: boolean; credentialStatus?: any; error?: any }>;
  }
  export function checkStatus(options: {
    credential: unknown;
    documentLoader: (
      url: string,
    ) => Promise<{ document: unknown; documentUrl: string; contextUrl: string | null }>;
    suite: unknown;
    verifyBitstringStatusListCredential?: boolean;
    verifyMatchingIssuers?: boolean;
  }): Promise<StatusCheckResult>;
  export function decodeList(options: {
    encodedList: string;
  }): Promise<{ length: number; getStatus(index: number): boolean }>;
}
