/**
 * Writes IPTC-IIM records (the payload JPEG stores in an APP13 Photoshop resource). Hand-written:
 * no installed library writes IPTC, and a record is five header bytes and the value.
 */

/** The IPTC datasets of the copyright group. */
export interface IptcValues {
  byline?: readonly string[];
  credit?: string;
  copyrightNotice?: string;
}

/** Longest value a standard (non-extended) IIM dataset can hold. */
const MAX_DATASET = 0x7fff;

/**
 * IIM records: 1:90 declaring UTF-8 (ESC % G), then 2:80 By-line (each), 2:110 Credit and
 * 2:116 CopyrightNotice. Undefined when there is nothing to write.
 */
export function writeIptc(values: IptcValues): Uint8Array | undefined {
  const records: Uint8Array[] = [];
  for (const name of values.byline ?? []) records.push(dataset(2, 80, name));
  if (values.credit) records.push(dataset(2, 110, values.credit));
  if (values.copyrightNotice) records.push(dataset(2, 116, values.copyrightNotice));
  if (records.length === 0) return undefined;
  // Record 1 must precede record 2; without 1:90 readers assume Latin-1.
  return Buffer.concat([record(1, 90, Uint8Array.of(0x1b, 0x25, 0x47)), ...records]);
}

function dataset(recordNumber: number, datasetNumber: number, text: string): Uint8Array {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_DATASET) bytes = bytes.subarray(0, MAX_DATASET);
  return record(recordNumber, datasetNumber, bytes);
}

function record(recordNumber: number, datasetNumber: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + value.length);
  out[0] = 0x1c; // tag marker
  out[1] = recordNumber;
  out[2] = datasetNumber;
  out[3] = value.length >> 8;
  out[4] = value.length & 0xff;
  out.set(value, 5);
  return out;
}

/**
 * The IIM records wrapped as a Photoshop image resource block ("Photoshop 3.0\0", then an 8BIM
 * resource 0x0404 with an empty name): the APP13 payload of a JPEG.
 */
export function photoshopIptcResource(iim: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode('Photoshop 3.0\0');
  const size = iim.length;
  const out = new Uint8Array(header.length + 12 + size + (size & 1));
  out.set(header, 0);
  let at = header.length;
  out.set(new TextEncoder().encode('8BIM'), at);
  out[at + 4] = 0x04; // resource id 0x0404: IPTC-NAA record
  out[at + 5] = 0x04;
  // bytes at+6, at+7: empty Pascal name, padded to an even length (already zero)
  new DataView(out.buffer).setUint32(at + 8, size);
  at += 12;
  out.set(iim, at);
  return out;
}
