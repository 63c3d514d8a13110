/**
 * Turns the groups read from a source into the blocks one output format carries: exactly the kept
 * tags, nothing else (no camera data, maker notes, thumbnail, software or modification date).
 */
import { writeIptc } from './iptc-writer.js';
import {
  asciiEntry,
  byteEntry,
  rationalEntry,
  shortEntry,
  type TiffEntry,
  writeTiff,
} from './tiff-writer.js';
import type { KeepMetadata, MetadataBlocks, MetadataFormat, SourceMetadata } from './types.js';
import { writeXmp, type XmpProperties } from './xmp-writer.js';

/**
 * The blocks to write into an output of `format`.
 *
 * - EXIF: Orientation (when kept and not 1), the date tags, Copyright/Artist, the GPS IFD.
 * - XMP: dc:creator, dc:rights, photoshop:Credit (copyright) and photoshop:DateCreated (date).
 * - IPTC (JPEG only): By-line, Credit, CopyrightNotice. Other formats have no standard IPTC
 *   container, so there the IPTC values go into XMP where XMP lacks them, following the Metadata
 *   Working Group mapping (By-line -> dc:creator, CopyrightNotice -> dc:rights,
 *   Credit -> photoshop:Credit).
 * - ICC: the profile when `keep.icc`.
 */
export function buildMetadataBlocks(
  meta: SourceMetadata,
  keep: KeepMetadata,
  format: MetadataFormat,
): MetadataBlocks {
  const blocks: MetadataBlocks = { notes: [] };
  const exif = writeTiff(...exifEntries(meta, keep));
  if (exif) blocks.exif = exif;
  const iptcInContainer = format === 'jpeg';
  const xmp = writeXmp(xmpProperties(meta, keep, !iptcInContainer));
  if (xmp) blocks.xmp = xmp;
  if (keep.copyright && iptcInContainer) {
    const { iptcByline, iptcCredit, iptcCopyrightNotice } = meta.copyright;
    const iptc = writeIptc({ byline: iptcByline, credit: iptcCredit, copyrightNotice: iptcCopyrightNotice });
    if (iptc) blocks.iptc = iptc;
  }
  if (keep.icc && meta.icc) blocks.icc = meta.icc;
  return blocks;
}

function exifEntries(meta: SourceMetadata, keep: KeepMetadata): [TiffEntry[], TiffEntry[], TiffEntry[]] {
  const ifd0: TiffEntry[] = [];
  const exif: TiffEntry[] = [];
  const gps: TiffEntry[] = [];
  const orientation = keep.outputOrientation ?? meta.orientation;
  if (keep.orientation && orientation !== undefined && orientation >= 2 && orientation <= 8) {
    ifd0.push(shortEntry(0x0112, orientation));
  }
  if (keep.copyright) {
    const { exifArtist, exifCopyright } = meta.copyright;
    if (exifArtist) ifd0.push(asciiEntry(0x013b, exifArtist));
    if (exifCopyright) ifd0.push(asciiEntry(0x8298, exifCopyright));
  }
  if (keep.date) {
    const d = meta.date;
    const texts: [number, string | undefined][] = [
      [0x9003, d.dateTimeOriginal],
      [0x9004, d.dateTimeDigitized],
      [0x9011, d.offsetTimeOriginal],
      [0x9012, d.offsetTimeDigitized],
      [0x9291, d.subSecTimeOriginal],
      [0x9292, d.subSecTimeDigitized],
    ];
    for (const [tag, value] of texts) if (value) exif.push(asciiEntry(tag, value));
  }
  if (keep.geotag) {
    const g = meta.geotag;
    // A latitude without its hemisphere (or the reverse) is meaningless: write them in pairs.
    const hasLatitude = g.latitude !== undefined && g.latitudeRef !== undefined;
    const hasLongitude = g.longitude !== undefined && g.longitudeRef !== undefined;
    if (hasLatitude || hasLongitude) {
      // Copied only when present: the output carries the source's tags, none invented.
      if (g.versionId) gps.push(byteEntry(0x0000, g.versionId));
      if (hasLatitude) {
        gps.push(asciiEntry(0x0001, g.latitudeRef!), rationalEntry(0x0002, g.latitude!));
      }
      if (hasLongitude) {
        gps.push(asciiEntry(0x0003, g.longitudeRef!), rationalEntry(0x0004, g.longitude!));
      }
    }
  }
  return [ifd0, exif, gps];
}

function xmpProperties(meta: SourceMetadata, keep: KeepMetadata, iptcIntoXmp: boolean): XmpProperties {
  const properties: XmpProperties = {};
  if (keep.date && meta.date.xmpDateCreated) properties.dateCreated = meta.date.xmpDateCreated;
  if (keep.copyright) {
    const c = meta.copyright;
    const creator = c.xmpCreator ?? (iptcIntoXmp ? c.iptcByline : undefined);
    const rights =
      c.xmpRights ??
      (iptcIntoXmp && c.iptcCopyrightNotice
        ? [{ lang: 'x-default', value: c.iptcCopyrightNotice }]
        : undefined);
    const credit = c.xmpCredit ?? (iptcIntoXmp ? c.iptcCredit : undefined);
    if (creator) properties.creator = creator;
    if (rights) properties.rights = rights;
    if (credit) properties.credit = credit;
  }
  return properties;
}
