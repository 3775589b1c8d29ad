// Shim: png-chunks-extract is CommonJS without types. It throws on a bad signature or CRC.
declare module 'png-chunks-extract' {
  function extractChunks(data: Uint8Array): Array<{ name: string; data: Uint8Array }>;
  export default extractChunks;
}
