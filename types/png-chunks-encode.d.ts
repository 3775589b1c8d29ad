// Shim: png-chunks-encode is CommonJS without types. It writes the signature and each CRC.
declare module 'png-chunks-encode' {
  function encodeChunks(chunks: ReadonlyArray<{ name: string; data: Uint8Array }>): Uint8Array;
  export default encodeChunks;
}
