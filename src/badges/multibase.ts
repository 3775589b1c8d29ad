/**
 * Multibase base58-btc (`z…`) encoding of multicodec-prefixed Ed25519 keys, as Multikey
 * verification methods carry them. Written here so key handling needs no untyped package.
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Multicodec varint prefix of an Ed25519 public key (0xed). */
export const ED25519_PUB_PREFIX = Uint8Array.from([0xed, 0x01]);
/** Multicodec varint prefix of an Ed25519 private key (0x1300). */
export const ED25519_PRIV_PREFIX = Uint8Array.from([0x80, 0x26]);

/** Encodes bytes as base58-btc (Bitcoin alphabet), without the multibase `z` prefix. */
export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

/** Decodes base58-btc text (no multibase prefix); throws on a character outside the alphabet. */
export function base58btcDecode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let n = 0n;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error('invalid base58-btc character');
    n = n * 58n + BigInt(v);
  }
  const body: number[] = [];
  while (n > 0n) {
    body.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

/** `z` + base58-btc(prefix ‖ key). */
export function encodeMultibaseKey(prefix: Uint8Array, key: Uint8Array): string {
  const all = new Uint8Array(prefix.length + key.length);
  all.set(prefix);
  all.set(key, prefix.length);
  return `z${base58btcEncode(all)}`;
}

/**
 * Reverses {@link encodeMultibaseKey}: checks the `z` prefix, the multicodec prefix and the length.
 * @throws Error when the text is not a `z…` key with that prefix and length
 */
export function decodeMultibaseKey(text: string, prefix: Uint8Array, length: number): Uint8Array {
  if (!text.startsWith('z')) throw new Error('multibase key must be base58-btc (start with "z")');
  const all = base58btcDecode(text.slice(1));
  if (all.length !== prefix.length + length || prefix.some((b, i) => all[i] !== b)) {
    throw new Error('multibase key has the wrong multicodec prefix or length');
  }
  return all.subarray(prefix.length);
}
