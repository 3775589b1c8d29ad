/**
 * Baking: embedding the signed credential in the badge image (OB 3.0 §5.3), so the image alone
 * carries verifiable data. PNG: one uncompressed `iTXt` chunk with keyword `openbadgecredential`.
 * SVG: an `<openbadges:credential>` element right after `<svg>`, the JSON in CDATA and no `verify`
 * attribute (that attribute is only for VC-JWT, which Jalon does not issue).
 */
import extractChunks from 'png-chunks-extract';
import encodeChunks from 'png-chunks-encode';
import { decodeSync as decodeITxt, encodeSync as encodeITxt } from 'png-chunk-itxt';

/** PNG iTXt keyword for an OB 3.0 credential. */
export const PNG_KEYWORD = 'openbadgecredential';
/** XML namespace of the `openbadges:` prefix in baked SVGs. */
export const OB3_SVG_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';

/** Why an image could not be baked or unbaked (label: `badges:bake.<code>`). */
export const BAKE_ERROR_CODES = [
  'not-png',
  'corrupt-png',
  'not-svg',
  'no-credential',
  'several-credentials',
  'jwt-not-supported',
  'invalid-json',
] as const;
/** One bake error code. */
export type BakeErrorCode = (typeof BAKE_ERROR_CODES)[number];

/** Thrown by bake/unbake with a stable `code` (translate it for people; `message` is for logs). */
export class BakeError extends Error {
  readonly code: BakeErrorCode;
  constructor(code: BakeErrorCode, message: string) {
    super(message);
    this.name = 'BakeError';
    this.code = code;
  }
}

function serialise(credential: object): string {
  return JSON.stringify(credential);
}

function parseCredentialText(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(trimmed)) {
    throw new BakeError(
      'jwt-not-supported',
      'the image carries a VC-JWT credential; Jalon verifies embedded proofs only',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new BakeError('invalid-json', 'the embedded credential is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new BakeError('invalid-json', 'the embedded credential is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function readChunks(png: Uint8Array): Array<{ name: string; data: Uint8Array }> {
  if (png.length < 8 || Buffer.from(png.subarray(0, 8)).toString('hex') !== '89504e470d0a1a0a') {
    throw new BakeError('not-png', 'not a PNG image');
  }
  try {
    return extractChunks(png);
  } catch (e) {
    // png-chunks-extract checks every chunk's CRC: a changed byte lands here.
    throw new BakeError('corrupt-png', `damaged PNG: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function isCredentialChunk(chunk: { name: string; data: Uint8Array }): boolean {
  if (chunk.name !== 'iTXt') return false;
  const nul = chunk.data.indexOf(0);
  return nul > 0 && Buffer.from(chunk.data.subarray(0, nul)).toString('latin1') === PNG_KEYWORD;
}

/**
 * Embeds a credential in a PNG, replacing any credential already there.
 * @returns a new PNG (the input is untouched)
 */
export function bakePng(png: Uint8Array, credential: object): Uint8Array {
  const chunks = readChunks(png).filter((c) => !isCredentialChunk(c));
  const data = encodeITxt({
    keyword: PNG_KEYWORD,
    compressionFlag: false,
    compressionMethod: 0,
    languageTag: '',
    translatedKeyword: '',
    text: serialise(credential),
  });
  // Right after IHDR, so readers that stop at the first IDAT still find it.
  chunks.splice(1, 0, { name: 'iTXt', data });
  return encodeChunks(chunks);
}

/**
 * Reads the credential out of a baked PNG.
 * @throws BakeError (`not-png`, `corrupt-png`, `no-credential`, `several-credentials`, `invalid-json`, `jwt-not-supported`)
 */
export function unbakePng(png: Uint8Array): Record<string, unknown> {
  const found = readChunks(png).filter(isCredentialChunk);
  if (found.length === 0) throw new BakeError('no-credential', 'the PNG carries no Open Badges credential');
  if (found.length > 1)
    throw new BakeError('several-credentials', 'the PNG carries more than one credential');
  const [chunk] = found;
  let text: string;
  try {
    text = decodeITxt((chunk as { data: Uint8Array }).data).text;
  } catch {
    throw new BakeError('corrupt-png', 'the credential chunk cannot be read');
  }
  return parseCredentialText(text);
}

const SVG_START = /<svg\b(?:[^>"']|"[^"]*"|'[^']*')*>/;
const CREDENTIAL_ELEMENT =
  /<openbadges:credential\b(?:[^>"']|"[^"]*"|'[^']*')*?(?:\/>|>[\s\S]*?<\/openbadges:credential\s*>)/g;

/** Wraps text in CDATA; a literal `]]>` inside is split across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function xmlText(inner: string): string {
  let out = '';
  const re = /<!\[CDATA\[([\s\S]*?)\]\]>|([^<]+)/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) {
    if (m[1] !== undefined) out += m[1];
    else if (m[2] !== undefined) {
      out += m[2].replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
        const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
        if (e[0] !== '#') return named[e.toLowerCase()] ?? '';
        return String.fromCodePoint(
          e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
        );
      });
    }
  }
  return out;
}

/**
 * Embeds a credential in an SVG document, replacing any credential already there and declaring the
 * `openbadges` namespace on the root element.
 * @throws BakeError `not-svg` when there is no `<svg>` start tag
 */
export function bakeSvg(svg: string, credential: object): string {
  const cleaned = svg.replace(CREDENTIAL_ELEMENT, '');
  const start = SVG_START.exec(cleaned);
  if (!start) throw new BakeError('not-svg', 'not an SVG document');
  let tag = start[0];
  if (!/\sxmlns:openbadges\s*=/.test(tag)) {
    tag = tag.replace(
      /\s*(\/?)>$/,
      (_m, slash: string) => ` xmlns:openbadges="${OB3_SVG_NAMESPACE}"${slash}>`,
    );
  }
  if (tag.endsWith('/>')) {
    // An empty <svg/> becomes a container so the credential can go inside it.
    tag = tag.slice(0, -2).trimEnd() + '>';
    const element = `<openbadges:credential>${cdata(serialise(credential))}</openbadges:credential>`;
    return (
      cleaned.slice(0, start.index) + tag + element + '</svg>' + cleaned.slice(start.index + start[0].length)
    );
  }
  const element = `<openbadges:credential>${cdata(serialise(credential))}</openbadges:credential>`;
  return cleaned.slice(0, start.index) + tag + element + cleaned.slice(start.index + start[0].length);
}

/**
 * Reads the credential out of a baked SVG.
 * @throws BakeError (`not-svg`, `no-credential`, `several-credentials`, `invalid-json`, `jwt-not-supported`)
 */
export function unbakeSvg(svg: string): Record<string, unknown> {
  if (!SVG_START.test(svg)) throw new BakeError('not-svg', 'not an SVG document');
  const found = [...svg.matchAll(CREDENTIAL_ELEMENT)];
  if (found.length === 0) throw new BakeError('no-credential', 'the SVG carries no Open Badges credential');
  if (found.length > 1)
    throw new BakeError('several-credentials', 'the SVG carries more than one credential');
  const element = found[0]?.[0] ?? '';
  const verify = /^<openbadges:credential\b[^>]*?\sverify\s*=\s*("([^"]*)"|'([^']*)')/.exec(element);
  const verifyValue = verify ? (verify[2] ?? verify[3] ?? '') : '';
  if (verifyValue.trim() !== '') return parseCredentialText(verifyValue);
  const open = element.indexOf('>');
  const inner =
    element.endsWith('/>') && open === element.length - 1
      ? ''
      : element.slice(open + 1, element.lastIndexOf('<'));
  const text = xmlText(inner);
  if (text.trim() === '') throw new BakeError('no-credential', 'the SVG credential element is empty');
  return parseCredentialText(text);
}

/**
 * Unbakes either image type, sniffing PNG by its signature and SVG by its text.
 * @throws BakeError as {@link unbakePng} / {@link unbakeSvg}
 */
export function unbake(image: Uint8Array): Record<string, unknown> {
  if (image.length >= 8 && image[0] === 0x89 && image[1] === 0x50) return unbakePng(image);
  return unbakeSvg(Buffer.from(image).toString('utf8'));
}
