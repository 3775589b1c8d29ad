// Shim: @digitalbazaar/eddsa-rdfc-2022-cryptosuite 1.x ships no types.
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: { name: string; [k: string]: unknown };
}
