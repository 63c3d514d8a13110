/**
 * Writes an XMP packet holding only the kept properties (dc:creator, dc:rights,
 * photoshop:Credit, photoshop:DateCreated). Hand-written: no XMP writer is installed, and the
 * packet is a fixed RDF skeleton around at most four escaped properties.
 */
import type { LangText } from './types.js';

/** The properties an output's XMP may carry. */
export interface XmpProperties {
  creator?: readonly string[];
  rights?: readonly LangText[];
  credit?: string;
  dateCreated?: string;
}

const NAMESPACES =
  'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"';

/** A complete XMP packet, or undefined when no property is set. */
export function writeXmp(properties: XmpProperties): string | undefined {
  const lines: string[] = [];
  if (properties.creator?.length) {
    const items = properties.creator.map((name) => `<rdf:li>${escapeXml(name)}</rdf:li>`).join('');
    lines.push(`<dc:creator><rdf:Seq>${items}</rdf:Seq></dc:creator>`);
  }
  if (properties.rights?.length) {
    const items = properties.rights
      .map((r) => `<rdf:li xml:lang="${escapeXml(r.lang)}">${escapeXml(r.value)}</rdf:li>`)
      .join('');
    lines.push(`<dc:rights><rdf:Alt>${items}</rdf:Alt></dc:rights>`);
  }
  if (properties.credit) lines.push(`<photoshop:Credit>${escapeXml(properties.credit)}</photoshop:Credit>`);
  if (properties.dateCreated) {
    lines.push(`<photoshop:DateCreated>${escapeXml(properties.dateCreated)}</photoshop:DateCreated>`);
  }
  if (lines.length === 0) return undefined;
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `<rdf:Description rdf:about="" ${NAMESPACES}>`,
    ...lines,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

/** Escapes text for element content and attribute values; drops characters XML 1.0 forbids. */
function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
