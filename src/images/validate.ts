/**
 * Checks an uploaded image (badge artwork, issuer logo) before it is stored: the real
 * type from its bytes (not the file name), the size, the dimensions, and for SVG a
 * sanitising pass that removes scripts, event handlers, foreign objects and external
 * references, because the SVG will be served and baked into badges.
 */
import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import extractChunks from 'png-chunks-extract';
import sanitizeHtml from 'sanitize-html';

/** Limits applied to uploads. */
export const IMAGE_LIMITS = { maxBytes: 1024 * 1024, minSide: 90, maxSide: 4096 } as const;

/** A checked image, ready to store. */
export interface CheckedImage {
  id: string;
  mime: 'image/png' | 'image/svg+xml';
  bytes: Buffer;
  width: number;
  height: number;
}

/** Why an image was refused; `key` is an i18n key in the `images` namespace. */
export class ImageError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'ImageError';
  }
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// An allow-list: shapes, text, gradients, filters; nothing that runs or fetches.
const SVG_TAGS = [
  'svg',
  'g',
  'path',
  'circle',
  'ellipse',
  'rect',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'title',
  'desc',
  'defs',
  'linearGradient',
  'radialGradient',
  'stop',
  'clipPath',
  'mask',
  'use',
  'symbol',
  'image',
  'pattern',
  'filter',
  'feGaussianBlur',
  'feOffset',
  'feBlend',
  'feColorMatrix',
  'feMerge',
  'feMergeNode',
  'feFlood',
  'feComposite',
];
const SVG_ATTRS = [
  'id',
  'class',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-dasharray',
  'opacity',
  'fill-opacity',
  'stroke-opacity',
  'transform',
  'd',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'fx',
  'fy',
  'width',
  'height',
  'points',
  'viewBox',
  'xmlns',
  'xmlns:xlink',
  'href',
  'xlink:href',
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientUnits',
  'gradientTransform',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'clip-path',
  'mask',
  'fill-rule',
  'clip-rule',
  'preserveAspectRatio',
  'version',
  'stdDeviation',
  'in',
  'in2',
  'mode',
  'values',
  'type',
  'result',
  'dx',
  'dy',
  'flood-color',
  'flood-opacity',
  'operator',
  'role',
  'aria-label',
  'aria-hidden',
  'filter',
  'patternUnits',
];
const SAFE_REF = /^(#[A-Za-z0-9_.:-]+|data:image\/(png|jpeg|gif);base64,[A-Za-z0-9+/=]+)$/;

function looksLikeSvg(bytes: Buffer): boolean {
  const head = bytes
    .subarray(0, 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return (
    head.startsWith('<svg') ||
    ((head.startsWith('<?xml') || head.startsWith('<!--')) && head.includes('<svg'))
  );
}

function sanitizeSvg(bytes: Buffer): Buffer {
  const text = bytes.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new ImageError('images:svgDoctype');
  const clean = sanitizeHtml(text, {
    allowedTags: SVG_TAGS,
    allowedAttributes: { '*': SVG_ATTRS },
    parser: { xmlMode: true },
    allowVulnerableTags: false,
    // Only same-document references and inline raster data survive.
    exclusiveFilter: () => false,
    transformTags: {
      '*': (tagName, attribs) => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(attribs)) {
          if ((k === 'href' || k === 'xlink:href') && !SAFE_REF.test(v.trim())) continue;
          out[k] = v;
        }
        return { tagName, attribs: out };
      },
    },
  }).trim();
  if (!clean.includes('<svg')) throw new ImageError('images:svgEmpty');
  return Buffer.from(
    clean.startsWith('<svg') && !clean.includes('xmlns=')
      ? clean.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"')
      : clean,
    'utf8',
  );
}

/** Validates (and for SVG, sanitises) an upload; throws ImageError with a reason. */
export function checkImage(input: Buffer): CheckedImage {
  if (input.length === 0) throw new ImageError('images:empty');
  if (input.length > IMAGE_LIMITS.maxBytes) {
    throw new ImageError('images:tooLarge', { max: Math.round(IMAGE_LIMITS.maxBytes / 1024) });
  }
  let mime: CheckedImage['mime'];
  let bytes: Buffer;
  if (input.subarray(0, 8).equals(PNG_MAGIC)) {
    mime = 'image/png';
    bytes = input;
    // Walks every chunk and checks its CRC, so truncated or damaged files are refused.
    try {
      const chunks = extractChunks(new Uint8Array(input));
      if (chunks.at(-1)?.name !== 'IEND') throw new Error('no IEND');
    } catch {
      throw new ImageError('images:unreadable');
    }
  } else if (looksLikeSvg(input)) {
    mime = 'image/svg+xml';
    bytes = sanitizeSvg(input);
  } else {
    throw new ImageError('images:badType');
  }
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = imageSize(bytes));
  } catch {
    throw new ImageError('images:unreadable');
  }
  if (!width || !height) throw new ImageError('images:noDimensions');
  const { minSide, maxSide } = IMAGE_LIMITS;
  if (width < minSide || height < minSide || width > maxSide || height > maxSide) {
    throw new ImageError('images:badDimensions', { width, height, min: minSide, max: maxSide });
  }
  const id = createHash('sha256').update(bytes).digest('hex');
  return { id, mime, bytes, width, height };
}
