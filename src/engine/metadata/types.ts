/**
 * The metadata vocabulary shared by the reader, the block builder and the writers: the values of
 * each keepable group as read from a source image, and the ready-to-write blocks built from them.
 */
import type { AppearanceMetadata } from '../../plan/index.js';
import type { ImageFormat } from '../types.js';

/** Capture dates (the `date` group). EXIF values are EXIF strings ("YYYY:MM:DD HH:MM:SS"). */
export interface DateTags {
  /** EXIF DateTimeOriginal (0x9003). */
  dateTimeOriginal?: string;
  /** EXIF DateTimeDigitized (0x9004). */
  dateTimeDigitized?: string;
  /** EXIF SubSecTimeOriginal (0x9291). */
  subSecTimeOriginal?: string;
  /** EXIF SubSecTimeDigitized (0x9292). */
  subSecTimeDigitized?: string;
  /** EXIF OffsetTimeOriginal (0x9011), e.g. "+02:00". */
  offsetTimeOriginal?: string;
  /** EXIF OffsetTimeDigitized (0x9012). */
  offsetTimeDigitized?: string;
  /** XMP photoshop:DateCreated (ISO 8601 text). */
  xmpDateCreated?: string;
}

/** Rights and authorship (the `copyright` group). */
export interface CopyrightTags {
  /** EXIF Copyright (0x8298). */
  exifCopyright?: string;
  /** EXIF Artist (0x013b). */
  exifArtist?: string;
  /** IPTC CopyrightNotice (2:116). */
  iptcCopyrightNotice?: string;
  /** IPTC By-line (2:80), repeatable. */
  iptcByline?: string[];
  /** IPTC Credit (2:110): the IPTC source of XMP photoshop:Credit. */
  iptcCredit?: string;
  /** XMP dc:creator (an ordered list). */
  xmpCreator?: string[];
  /** XMP dc:rights, one entry per language ("x-default" when the source gave none). */
  xmpRights?: LangText[];
  /** XMP photoshop:Credit. */
  xmpCredit?: string;
}

/** A text in one language, as XMP language alternatives store it. */
export interface LangText {
  lang: string;
  value: string;
}

/** The GPS position (the `geotag` group). Altitude is deliberately not part of it (see README). */
export interface GeotagTags {
  /** GPSVersionID (4 bytes, e.g. [2, 2, 0, 0]). */
  versionId?: number[];
  /** GPSLatitudeRef: "N" or "S". */
  latitudeRef?: string;
  /** GPSLatitude as degrees, minutes, seconds. */
  latitude?: number[];
  /** GPSLongitudeRef: "E" or "W". */
  longitudeRef?: string;
  /** GPSLongitude as degrees, minutes, seconds. */
  longitude?: number[];
}

/** What {@link readMetadata} finds in a source image. */
export interface SourceMetadata {
  /** The embedded ICC profile, when present and of a sane size. */
  icc?: Uint8Array;
  /** EXIF orientation 1 to 8, when present. */
  orientation?: number;
  date: DateTags;
  copyright: CopyrightTags;
  geotag: GeotagTags;
  /** What could not be read (broken or oversized blocks), for the user. Never fatal. */
  notes: string[];
}

/** Which groups to keep, and the orientation the output's pixels need. */
export interface KeepMetadata extends AppearanceMetadata {
  /**
   * Orientation to write instead of the source's, e.g. 1 after auto-orient rotated the pixels
   * (then no tag is written). Undefined: the source's orientation.
   */
  outputOrientation?: number;
}

/** Ready-to-write metadata for one output format: exactly the kept tags, nothing else. */
export interface MetadataBlocks {
  /** A TIFF structure (starts "II*\0"), without the JPEG "Exif\0\0" prefix. */
  exif?: Uint8Array;
  /** A complete XMP packet (UTF-8 text). */
  xmp?: string;
  /** IPTC-IIM records (JPEG only: the other formats get the IPTC values in XMP instead). */
  iptc?: Uint8Array;
  /** The ICC profile. */
  icc?: Uint8Array;
  /** What was left out (too large for the container), for the user. */
  notes: string[];
}

/** The formats whose encoded bytes the writers can carry metadata in. */
export type MetadataFormat = Extract<ImageFormat, 'jpeg' | 'png' | 'webp' | 'avif'>;
