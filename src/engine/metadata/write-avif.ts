/**
 * Puts metadata blocks into an encoded AVIF (HEIF/ISOBMFF) without touching the AV1 data:
 * EXIF and XMP become items ('Exif', and 'mime' application/rdf+xml) described in the meta box
 * (iinf, iloc, iref cdsc -> primary item), their bytes in a new 'mdat' at the end of the file;
 * the ICC profile becomes the primary item's colr 'prof' property. Because the meta box grows,
 * every file offset in iloc that points past it is moved by the same amount.
 *
 * Hand-written: no installed library edits HEIF boxes (sharp/libheif re-encode the pixels, which
 * lossless output must not do, and libexif adds tags of its own: see tiff-writer.ts).
 */
import { SquishError } from '../../errors/index.js';
import type { MetadataBlocks } from './types.js';

interface Box {
  type: string;
  start: number;
  end: number;
  /** Offset of the payload (after size, type, and for full boxes nothing more: callers skip it). */
  body: number;
}

interface ItemInfo {
  id: number;
  type: string;
  contentType?: string;
  /** The whole infe box. */
  raw: Uint8Array;
}

interface Extent {
  index: number;
  offset: number;
  length: number;
}

interface Location {
  id: number;
  constructionMethod: number;
  dataReferenceIndex: number;
  baseOffset: number;
  extents: Extent[];
}

interface Reference {
  type: string;
  from: number;
  to: number[];
}

const XMP_CONTENT_TYPE = 'application/rdf+xml';

/**
 * `avif` with its Exif and XMP items replaced by `blocks`' and its primary item's ICC profile
 * replaced (or removed when `blocks.icc` is absent). The AV1 bitstreams are copied unchanged;
 * the bytes of removed items stay in the file, unreferenced.
 * @throws SquishError CORRUPT_IMAGE when the box structure cannot be followed.
 */
export function writeAvifMetadata(
  avif: Uint8Array,
  blocks: MetadataBlocks,
): { data: Uint8Array; notes: string[] } {
  const top = readBoxes(avif, 0, avif.length);
  const meta = top.find((box) => box.type === 'meta');
  if (!meta) throw corrupt('no meta box');
  const children = readBoxes(avif, meta.body + 4, meta.end);
  const find = (type: string) => children.find((box) => box.type === type);
  const [pitm, iinf, iloc, iprp] = [find('pitm'), find('iinf'), find('iloc'), find('iprp')];
  if (!pitm || !iinf || !iloc) throw corrupt('meta box lacks pitm, iinf or iloc');
  const primary = readPrimary(avif, pitm);
  const items = readItemInfo(avif, iinf);
  const locations = readLocations(avif, iloc);
  const iref = find('iref');
  const references = iref ? readReferences(avif, iref) : [];

  const isMetadata = (item: ItemInfo) =>
    item.type === 'Exif' || (item.type === 'mime' && item.contentType === XMP_CONTENT_TYPE);
  const dropped = new Set(items.filter(isMetadata).map((item) => item.id));
  const keptItems = items.filter((item) => !dropped.has(item.id));
  const keptLocations = locations.filter((location) => !dropped.has(location.id));
  const keptReferences = references.filter((reference) => !dropped.has(reference.from));

  // New items: payloads laid out one after another in a trailing mdat.
  const payloads: { type: 'Exif' | 'mime'; data: Uint8Array }[] = [];
  if (blocks.exif) payloads.push({ type: 'Exif', data: exifItem(blocks.exif) });
  if (blocks.xmp) payloads.push({ type: 'mime', data: new TextEncoder().encode(blocks.xmp) });
  let nextId = Math.max(0, ...items.map((item) => item.id)) + 1;
  const added = payloads.map((payload) => ({ ...payload, id: nextId++ }));
  if (nextId > 0xffff) throw corrupt('too many items');
  const newItems = [...keptItems.map((item) => item.raw), ...added.map((item) => infe(item.id, item.type))];
  const newReferences = [
    ...keptReferences,
    ...added.map((item) => ({ type: 'cdsc', from: item.id, to: [primary] })),
  ];
  const newIprp = iprp ? rewriteIccProperty(avif, iprp, primary, blocks.icc) : undefined;
  if (!iprp && blocks.icc) throw corrupt('no iprp box to hold the ICC profile');

  const metaEnd = meta.end;
  const build = (delta: number, trailingMdat: number) => {
    const placed: Location[] = [];
    let offset = trailingMdat + 8;
    for (const item of added) {
      placed.push({
        id: item.id,
        constructionMethod: 0,
        dataReferenceIndex: 0,
        baseOffset: 0,
        extents: [{ index: 0, offset, length: item.data.length }],
      });
      offset += item.data.length;
    }
    const moved = keptLocations.map((location) => shiftLocation(location, metaEnd, delta));
    const parts = children.map((child) => {
      if (child === iinf) return iinfBox(newItems);
      if (child === iloc) return ilocBox(avif, iloc, [...moved, ...placed]);
      if (child === iref) return irefBox(newReferences);
      if (child === iprp && newIprp) return newIprp;
      return avif.subarray(child.start, child.end);
    });
    if (!iref && newReferences.length > 0) parts.push(irefBox(newReferences));
    return fullBox('meta', avif[meta.body]!, readU24(avif, meta.body + 1), parts);
  };
  // The meta box's size does not depend on the offsets it holds: measure, then build for real.
  const draft = build(0, 0);
  const delta = draft.length - (meta.end - meta.start);
  const trailingMdat = avif.length + delta;
  const newMeta = build(delta, trailingMdat);
  const mdat =
    added.length > 0
      ? box(
          'mdat',
          added.map((item) => item.data),
        )
      : new Uint8Array(0);
  const data = Buffer.concat([avif.subarray(0, meta.start), newMeta, avif.subarray(meta.end), mdat]);
  return { data: new Uint8Array(data), notes: [] };
}

/** HEIF Exif item payload: a 4-byte offset from its end to the TIFF header (0), then the TIFF. */
function exifItem(tiff: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + tiff.length);
  out.set(tiff, 4);
  return out;
}

function shiftLocation(location: Location, metaEnd: number, delta: number): Location {
  // Only file offsets move (construction method 0, this file); idat and item offsets do not.
  if (location.constructionMethod !== 0 || location.dataReferenceIndex !== 0) return location;
  return {
    ...location,
    baseOffset: 0,
    extents: location.extents.map((extent) => {
      const absolute = location.baseOffset + extent.offset;
      return { ...extent, offset: absolute >= metaEnd ? absolute + delta : absolute };
    }),
  };
}

// ---- ICC: the colr 'prof' property of the primary item ----

function rewriteIccProperty(
  bytes: Uint8Array,
  iprp: Box,
  primary: number,
  icc: Uint8Array | undefined,
): Uint8Array {
  const children = readBoxes(bytes, iprp.body, iprp.end);
  const ipco = children.find((child) => child.type === 'ipco');
  const ipma = children.find((child) => child.type === 'ipma');
  if (!ipco || !ipma) throw corrupt('iprp lacks ipco or ipma');
  const properties = readBoxes(bytes, ipco.body, ipco.end);
  const associations = readAssociations(bytes, ipma);
  // Every ICC property goes (an unreferenced one would still be read by some tools); the indexes
  // of the properties after it move down.
  const isIcc = (property: Box) => {
    const colourType = ascii(bytes, property.body, 4);
    return property.type === 'colr' && (colourType === 'prof' || colourType === 'rICC');
  };
  const newIndex = new Map<number, number>();
  const newProperties: Uint8Array[] = [];
  properties.forEach((property, i) => {
    if (isIcc(property)) return;
    newProperties.push(bytes.subarray(property.start, property.end));
    newIndex.set(i + 1, newProperties.length);
  });
  const entries = associations.entries.map((entry) => ({
    id: entry.id,
    properties: entry.properties
      .filter((p) => newIndex.has(p.index))
      .map((p) => ({ essential: p.essential, index: newIndex.get(p.index)! })),
  }));
  if (icc) {
    newProperties.push(box('colr', [new TextEncoder().encode('prof'), icc]));
    let entry = entries.find((candidate) => candidate.id === primary);
    if (!entry) {
      entry = { id: primary, properties: [] };
      entries.push(entry);
      entries.sort((a, b) => a.id - b.id);
    }
    entry.properties.unshift({ essential: false, index: newProperties.length });
  }
  const newIpma = ipmaBox(associations.version, newProperties.length > 127, entries);
  const parts = children.map((child) => {
    if (child === ipco) return box('ipco', newProperties);
    if (child === ipma) return newIpma;
    return bytes.subarray(child.start, child.end);
  });
  return box('iprp', parts);
}

interface Association {
  id: number;
  properties: { essential: boolean; index: number }[];
}

function readAssociations(bytes: Uint8Array, ipma: Box): { version: number; entries: Association[] } {
  const r = new Reader(bytes, ipma.body, ipma.end);
  const version = r.u8();
  const wide = (r.u24() & 1) === 1;
  const count = r.u32();
  const entries: Association[] = [];
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? r.u16() : r.u32();
    const n = r.u8();
    const properties = [];
    for (let j = 0; j < n; j++) {
      const value = wide ? r.u16() : r.u8();
      const bits = wide ? 15 : 7;
      properties.push({ essential: value >> bits === 1, index: value & ((1 << bits) - 1) });
    }
    entries.push({ id, properties });
  }
  return { version, entries };
}

function ipmaBox(version: number, wide: boolean, entries: readonly Association[]): Uint8Array {
  const w = new Writer();
  w.u32(entries.length);
  for (const entry of entries) {
    if (version < 1) w.u16(entry.id);
    else w.u32(entry.id);
    w.u8(entry.properties.length);
    for (const p of entry.properties) {
      if (wide) w.u16((p.essential ? 0x8000 : 0) | p.index);
      else w.u8((p.essential ? 0x80 : 0) | p.index);
    }
  }
  return fullBox('ipma', version, wide ? 1 : 0, [w.bytes()]);
}

// ---- pitm, iinf, iloc, iref ----

function readPrimary(bytes: Uint8Array, pitm: Box): number {
  const r = new Reader(bytes, pitm.body, pitm.end);
  const version = r.u8();
  r.u24();
  return version === 0 ? r.u16() : r.u32();
}

function readItemInfo(bytes: Uint8Array, iinf: Box): ItemInfo[] {
  const r = new Reader(bytes, iinf.body, iinf.end);
  const version = r.u8();
  r.u24();
  const count = version === 0 ? r.u16() : r.u32();
  const entries = readBoxes(bytes, r.offset, iinf.end).filter((child) => child.type === 'infe');
  if (entries.length !== count) throw corrupt('iinf count does not match its entries');
  return entries.map((entry) => {
    const e = new Reader(bytes, entry.body, entry.end);
    const infeVersion = e.u8();
    e.u24();
    if (infeVersion < 2) throw corrupt(`infe version ${infeVersion} is not used by AVIF`);
    const id = infeVersion === 2 ? e.u16() : e.u32();
    e.u16(); // protection index
    const type = ascii(bytes, e.offset, 4);
    e.offset += 4;
    e.cString(); // item name
    const contentType = type === 'mime' ? e.cString() : undefined;
    return { id, type, contentType, raw: bytes.subarray(entry.start, entry.end) };
  });
}

function infe(id: number, type: 'Exif' | 'mime'): Uint8Array {
  const w = new Writer();
  w.u16(id);
  w.u16(0); // not protected
  w.ascii(type);
  w.u8(0); // empty item name
  if (type === 'mime') {
    w.ascii(XMP_CONTENT_TYPE);
    w.u8(0);
  }
  return fullBox('infe', 2, 0, [w.bytes()]);
}

function iinfBox(entries: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  const wide = entries.length > 0xffff;
  if (wide) w.u32(entries.length);
  else w.u16(entries.length);
  return fullBox('iinf', wide ? 1 : 0, 0, [w.bytes(), ...entries]);
}

interface IlocLayout {
  version: number;
  offsetSize: number;
  lengthSize: number;
  baseOffsetSize: number;
  indexSize: number;
}

function readIlocLayout(bytes: Uint8Array, iloc: Box): { layout: IlocLayout; reader: Reader } {
  const r = new Reader(bytes, iloc.body, iloc.end);
  const version = r.u8();
  r.u24();
  if (version > 2) throw corrupt(`iloc version ${version}`);
  const sizes = r.u8();
  const more = r.u8();
  const layout = {
    version,
    offsetSize: sizes >> 4,
    lengthSize: sizes & 15,
    baseOffsetSize: more >> 4,
    indexSize: version > 0 ? more & 15 : 0,
  };
  return { layout, reader: r };
}

function readLocations(bytes: Uint8Array, iloc: Box): Location[] {
  const { layout, reader: r } = readIlocLayout(bytes, iloc);
  const count = layout.version < 2 ? r.u16() : r.u32();
  const locations: Location[] = [];
  for (let i = 0; i < count; i++) {
    const id = layout.version < 2 ? r.u16() : r.u32();
    const constructionMethod = layout.version > 0 ? r.u16() & 15 : 0;
    const dataReferenceIndex = r.u16();
    const baseOffset = r.uint(layout.baseOffsetSize);
    const extentCount = r.u16();
    const extents: Extent[] = [];
    for (let j = 0; j < extentCount; j++) {
      const index = r.uint(layout.indexSize);
      const offset = r.uint(layout.offsetSize);
      extents.push({ index, offset, length: r.uint(layout.lengthSize) });
    }
    locations.push({ id, constructionMethod, dataReferenceIndex, baseOffset, extents });
  }
  return locations;
}

/** iloc rewritten with the same version; field sizes widened to 4 (or 8) bytes so any offset fits. */
function ilocBox(bytes: Uint8Array, original: Box, locations: readonly Location[]): Uint8Array {
  const { layout } = readIlocLayout(bytes, original);
  const largest = Math.max(
    0,
    ...locations.flatMap((l) => [l.baseOffset, ...l.extents.flatMap((e) => [e.offset, e.length])]),
  );
  const size = largest > 0xffffffff ? 8 : 4;
  const w = new Writer();
  w.u8((size << 4) | size);
  w.u8((size << 4) | layout.indexSize);
  if (layout.version < 2) w.u16(locations.length);
  else w.u32(locations.length);
  for (const location of locations) {
    if (layout.version < 2) w.u16(location.id);
    else w.u32(location.id);
    if (layout.version > 0) w.u16(location.constructionMethod);
    w.u16(location.dataReferenceIndex);
    w.uint(size, location.baseOffset);
    w.u16(location.extents.length);
    for (const extent of location.extents) {
      w.uint(layout.indexSize, extent.index);
      w.uint(size, extent.offset);
      w.uint(size, extent.length);
    }
  }
  return fullBox('iloc', layout.version, 0, [w.bytes()]);
}

function readReferences(bytes: Uint8Array, iref: Box): Reference[] {
  const version = bytes[iref.body]!;
  return readBoxes(bytes, iref.body + 4, iref.end).map((child) => {
    const r = new Reader(bytes, child.body, child.end);
    const from = version === 0 ? r.u16() : r.u32();
    const count = r.u16();
    const to = Array.from({ length: count }, () => (version === 0 ? r.u16() : r.u32()));
    return { type: child.type, from, to };
  });
}

function irefBox(references: readonly Reference[]): Uint8Array {
  const wide = references.some((r) => r.from > 0xffff || r.to.some((id) => id > 0xffff));
  const children = references.map((reference) => {
    const w = new Writer();
    const id = (value: number) => (wide ? w.u32(value) : w.u16(value));
    id(reference.from);
    w.u16(reference.to.length);
    for (const to of reference.to) id(to);
    return box(reference.type, [w.bytes()]);
  });
  return fullBox('iref', wide ? 1 : 0, 0, children);
}

// ---- boxes and bytes ----

/** The boxes between `start` and `end`, with 64-bit and to-the-end sizes understood. */
function readBoxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = view.getUint32(offset);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) throw corrupt('truncated box header');
      size = Number(view.getBigUint64(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) throw corrupt(`box "${ascii(bytes, offset + 4, 4)}" overruns`);
    boxes.push({
      type: ascii(bytes, offset + 4, 4),
      start: offset,
      end: offset + size,
      body: offset + header,
    });
    offset += size;
  }
  return boxes;
}

function box(type: string, parts: readonly Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const w = new Writer();
  w.u32(size);
  w.ascii(type);
  return Buffer.concat([w.bytes(), ...parts]);
}

function fullBox(type: string, version: number, flags: number, parts: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  w.u8(version);
  w.u24(flags);
  return box(type, [w.bytes(), ...parts]);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function readU24(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
}

/** A bounds-checked big-endian reader. */
class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public offset: number,
    private readonly end: number,
  ) {}

  uint(size: number): number {
    if (this.offset + size > this.end) throw corrupt('truncated box');
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.bytes[this.offset + i]!;
    this.offset += size;
    return value;
  }
  u8(): number {
    return this.uint(1);
  }
  u16(): number {
    return this.uint(2);
  }
  u24(): number {
    return this.uint(3);
  }
  u32(): number {
    return this.uint(4);
  }
  cString(): string {
    const stop = this.bytes.indexOf(0, this.offset);
    if (stop < 0 || stop >= this.end) throw corrupt('unterminated string');
    const text = Buffer.from(this.bytes.subarray(this.offset, stop)).toString('utf8');
    this.offset = stop + 1;
    return text;
  }
}

/** A growing big-endian writer. */
class Writer {
  private readonly parts: number[] = [];

  uint(size: number, value: number): void {
    for (let i = size - 1; i >= 0; i--) this.parts.push(Math.floor(value / 256 ** i) % 256);
  }
  u8(value: number): void {
    this.uint(1, value);
  }
  u16(value: number): void {
    this.uint(2, value);
  }
  u24(value: number): void {
    this.uint(3, value);
  }
  u32(value: number): void {
    this.uint(4, value);
  }
  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.parts.push(text.charCodeAt(i));
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function corrupt(detail: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', undefined, { cause: new Error(`AVIF container: ${detail}`) });
}
