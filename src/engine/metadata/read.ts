/**
 * Reads the keepable metadata groups of a source image. libvips (through sharp's header-only
 * `metadata()`) extracts the raw EXIF, XMP, IPTC and ICC blocks from every container Squish
 * accepts (JPEG APPn, PNG eXIf/iTXt/iCCP, WebP chunks, AVIF items), and exifr parses each block:
 * exifr alone cannot open WebP or AVIF files, but parses the raw blocks of any of them.
 */
import exifr from 'exifr';
import sharp, { type Metadata } from 'sharp';
import type { ImageFormat } from '../types.js';
import type { CopyrightTags, DateTags, GeotagTags, LangText, SourceMetadata } from './types.js';

/** Largest block read: real EXIF fits a 64 KB JPEG segment; real ICC profiles are at most ~1 MB. */
export const MAX_METADATA_BLOCK_BYTES = 4 * 1024 * 1024;
/** Longest text value kept; longer values are cut (a "copyright" of megabytes is not one). */
export const MAX_TEXT_LENGTH = 2000;
/** Most entries kept from a repeatable value (creators, bylines, languages). */
const MAX_LIST_ENTRIES = 20;

const EXIFR_COMMON = { translateValues: false, reviveValues: false, sanitize: true } as const;

type Values = Record<string, unknown>;

/**
 * The ICC profile, orientation and the date/copyright/geotag tags of `input`. Never throws: a
 * broken or oversized block is skipped and named in `notes`. GIF and SVG carry none of these
 * groups in a form Squish keeps, so they yield an empty result.
 */
export async function readMetadata(input: Uint8Array, format: ImageFormat): Promise<SourceMetadata> {
  const result: SourceMetadata = { date: {}, copyright: {}, geotag: {}, notes: [] };
  if (format === 'gif' || format === 'svg') return result;
  let header: Metadata;
  try {
    header = await sharp(input).metadata();
  } catch (error) {
    result.notes.push(`metadata unreadable: ${(error as Error).message}`);
    return result;
  }
  const { notes } = result;
  if (header.orientation !== undefined && header.orientation >= 1 && header.orientation <= 8) {
    result.orientation = header.orientation;
  }
  const icc = bounded(header.icc, 'ICC profile', notes);
  if (icc) result.icc = new Uint8Array(icc);

  const exif = bounded(header.exif, 'EXIF', notes);
  const tiff = exif ? await parseBlock(withoutExifPrefix(exif), 'tiff', notes) : {};
  const xmpBytes = bounded(header.xmp, 'XMP', notes);
  const xmp = xmpBytes ? await parseBlock(xmpBytes, 'xmp', notes) : {};
  const iptcBytes = bounded(header.iptc, 'IPTC', notes);
  const iptc = iptcBytes ? await parseBlock(iptcBytes, 'iptc', notes) : {};

  result.date = dateTags(tiff, xmp);
  result.copyright = copyrightTags(tiff, iptc, xmp);
  result.geotag = geotagTags(tiff);
  return result;
}

function bounded(block: Buffer | undefined, name: string, notes: string[]): Buffer | undefined {
  if (!block || block.length === 0) return undefined;
  if (block.length > MAX_METADATA_BLOCK_BYTES) {
    notes.push(`${name} ignored: ${block.length} bytes is more than ${MAX_METADATA_BLOCK_BYTES}`);
    return undefined;
  }
  return block;
}

/** libvips hands JPEG-style EXIF ("Exif\0\0" then TIFF); exifr's TIFF parser wants the TIFF. */
function withoutExifPrefix(exif: Buffer): Buffer {
  return exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
}

async function parseBlock(block: Buffer, type: 'tiff' | 'xmp' | 'iptc', notes: string[]): Promise<Values> {
  const options =
    type === 'tiff'
      ? { ...EXIFR_COMMON, ifd1: false, interop: false, makerNote: false, userComment: false }
      : EXIFR_COMMON;
  try {
    const values = (await exifr.sidecar(block, options, type)) as Values | undefined;
    return values ?? {};
  } catch (error) {
    notes.push(`${type === 'tiff' ? 'EXIF' : type.toUpperCase()} unreadable: ${(error as Error).message}`);
    return {};
  }
}

function dateTags(tiff: Values, xmp: Values): DateTags {
  const photoshop = record(xmp.photoshop);
  return prune({
    dateTimeOriginal: text(tiff.DateTimeOriginal),
    // exifr names 0x9004 DateTimeDigitized "CreateDate", as exiftool does.
    dateTimeDigitized: text(tiff.CreateDate),
    subSecTimeOriginal: text(tiff.SubSecTimeOriginal),
    subSecTimeDigitized: text(tiff.SubSecTimeDigitized),
    offsetTimeOriginal: text(tiff.OffsetTimeOriginal),
    offsetTimeDigitized: text(tiff.OffsetTimeDigitized),
    xmpDateCreated: text(photoshop.DateCreated),
  });
}

function copyrightTags(tiff: Values, iptc: Values, xmp: Values): CopyrightTags {
  const dc = record(xmp.dc);
  const photoshop = record(xmp.photoshop);
  return prune({
    exifCopyright: text(tiff.Copyright),
    exifArtist: text(tiff.Artist),
    iptcCopyrightNotice: text(iptc.CopyrightNotice),
    iptcByline: list(iptc.Byline),
    iptcCredit: text(iptc.Credit),
    xmpCreator: list(dc.creator),
    xmpRights: langAlternatives(dc.rights),
    xmpCredit: text(photoshop.Credit),
  });
}

function geotagTags(tiff: Values): GeotagTags {
  return prune({
    versionId: numbers(tiff.GPSVersionID, 4, 4),
    latitudeRef: ref(tiff.GPSLatitudeRef, 'NS'),
    latitude: numbers(tiff.GPSLatitude, 1, 3),
    longitudeRef: ref(tiff.GPSLongitudeRef, 'EW'),
    longitude: numbers(tiff.GPSLongitude, 1, 3),
  });
}

/** Drops undefined fields, so a group's emptiness is `Object.keys(group).length === 0`. */
function prune<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}

function record(value: unknown): Values {
  return typeof value === 'object' && value !== null ? (value as Values) : {};
}

/** A non-empty trimmed-of-NULs string (XMP numbers such as a numeric credit come back as text). */
function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const cleaned = value.replace(/\0+$/, '').trim();
  return cleaned.length > 0 ? cleaned.slice(0, MAX_TEXT_LENGTH) : undefined;
}

function list(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const texts = items
    .slice(0, MAX_LIST_ENTRIES)
    .map(text)
    .filter((t) => t !== undefined);
  return texts.length > 0 ? texts : undefined;
}

/** exifr gives dc:rights as a string, a {lang, value} object, or a list of those. */
function langAlternatives(value: unknown): LangText[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const out: LangText[] = [];
  for (const item of items.slice(0, MAX_LIST_ENTRIES)) {
    const asObject = record(item);
    const valueText = text(asObject.value ?? item);
    if (valueText === undefined) continue;
    const lang = typeof asObject.lang === 'string' && /^[A-Za-z0-9-]{1,35}$/.test(asObject.lang);
    out.push({ lang: lang ? (asObject.lang as string) : 'x-default', value: valueText });
  }
  return out.length > 0 ? out : undefined;
}

function numbers(value: unknown, min: number, max: number): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items =
    typeof value === 'number' ? [value] : typeof value === 'object' ? Object.values(value as object) : [];
  if (items.length < min || items.length > max) return undefined;
  return items.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
    ? (items as number[])
    : undefined;
}

function ref(value: unknown, allowed: string): string | undefined {
  const letter = text(value)?.toUpperCase();
  return letter?.length === 1 && allowed.includes(letter) ? letter : undefined;
}
