/**
 * The DOCTYPE guard: runs before any XML parser sees the document.
 *
 * svgo's parser (sax) copies every `<!ENTITY name "value">` of the internal subset into its entity
 * table and re-parses the value at each reference, so entities that reference entities expand
 * exponentially (billion laughs) and a value containing markup injects elements. libxml2 (inside
 * librsvg) has its own rules. Neither parser can be configured from here, so this module reads the
 * DOCTYPE itself, accepts only what Illustrator-style files need (plain text entities such as
 * `<!ENTITY ns_svg "http://www.w3.org/2000/svg">`), expands their references with a bounded total,
 * and hands the parsers a document without any DOCTYPE. No XML library here exposes the internal
 * subset with these guarantees, hence the small hand-written scanner.
 */
import { SquishError } from '../../../errors/index.js';

/** Bounds of what the guard accepts. */
export interface EntityLimits {
  /** Most entity declarations in the internal subset. */
  maxDeclarations: number;
  /** Most characters all references together may expand to. */
  maxExpansionChars: number;
}

export const DEFAULT_ENTITY_LIMITS: Readonly<EntityLimits> = Object.freeze({
  maxDeclarations: 256,
  maxExpansionChars: 1_000_000,
});

/** A document the parsers can read safely: no DOCTYPE left, declared entities expanded. */
export interface ResolvedDocument {
  text: string;
  /** Whether a DOCTYPE was present (and removed). */
  hadDoctype: boolean;
  /** Whether that DOCTYPE had an internal subset (`[...]`), whose declarations a viewer would apply. */
  hadInternalSubset: boolean;
  /** Number of entity declarations accepted. */
  declarations: number;
  /** Number of entity references replaced in the body. */
  references: number;
}

const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7\u00C0-\uFFFF]*/y;
/** The five entities every XML parser knows; never redeclared, never expanded here. */
const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

function refuse(reason: string): SquishError {
  return new SquishError('INVALID_SVG', `The SVG document type declaration is not accepted: ${reason}.`);
}

/** Index just past the prolog items (XML declaration, comments, PIs, whitespace) before `<!DOCTYPE`. */
function findDoctype(text: string): number {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return -1;
      i = end + 3;
    } else {
      // sax (svgo's parser) accepts the keyword in any case, so the guard must too.
      return text.slice(i, i + 9).toUpperCase() === '<!DOCTYPE' ? i : -1;
    }
  }
}

/** Reads a quoted literal starting at `i`; returns its content and the index after the closing quote. */
function readQuoted(text: string, i: number): { value: string; end: number } {
  const quote = text[i];
  if (quote !== '"' && quote !== "'") throw refuse('expected a quoted value');
  const close = text.indexOf(quote, i + 1);
  if (close < 0) throw refuse('unterminated quoted value');
  return { value: text.slice(i + 1, close), end: close + 1 };
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

function readName(text: string, i: number): { name: string; end: number } {
  NAME.lastIndex = i;
  const match = NAME.exec(text);
  if (!match) throw refuse('expected a name');
  return { name: match[0], end: i + match[0].length };
}

/** Skips a markup declaration (`<!ATTLIST`, `<!ELEMENT`, `<!NOTATION`) honouring quoted literals. */
function skipDeclaration(text: string, i: number): number {
  while (i < text.length) {
    const c = text[i];
    if (c === '>') return i + 1;
    if (c === '%') throw refuse('parameter entity references are not allowed');
    i = c === '"' || c === "'" ? readQuoted(text, i).end : i + 1;
  }
  throw refuse('unterminated declaration');
}

/** Parses `<!ENTITY ...>` at `i` and records it; returns the index after it. */
function readEntity(text: string, i: number, entities: Map<string, string>, limits: EntityLimits): number {
  i = skipSpace(text, i + '<!ENTITY'.length);
  if (text[i] === '%') throw refuse('parameter entities are not allowed');
  const { name, end } = readName(text, i);
  i = skipSpace(text, end);
  if (text.startsWith('SYSTEM', i) || text.startsWith('PUBLIC', i)) {
    throw refuse(`external entity "${name}" is not allowed`);
  }
  const literal = readQuoted(text, i);
  i = skipSpace(text, literal.end);
  if (text[i] !== '>') throw refuse(`malformed declaration of entity "${name}"`);
  // A value with `&` or `%` references another entity (the billion-laughs shape); one with `<`
  // would inject markup when expanded. Plain text values are all Illustrator-style files need.
  if (/[&%<]/.test(literal.value)) throw refuse(`entity "${name}" references other entities or markup`);
  if (entities.size >= limits.maxDeclarations) throw refuse('too many entity declarations');
  // XML: the first declaration of a name wins; the predefined five cannot be redefined usefully.
  if (!PREDEFINED.has(name) && !entities.has(name)) entities.set(name, literal.value);
  return i + 1;
}

/** Parses the DOCTYPE at `start`; returns the declared entities and the index after the DOCTYPE. */
function readDoctype(
  text: string,
  start: number,
  limits: EntityLimits,
): { entities: Map<string, string>; end: number; subset: boolean } {
  const entities = new Map<string, string>();
  let subset = false;
  let i = skipSpace(text, start + '<!DOCTYPE'.length);
  i = skipSpace(text, readName(text, i).end);
  // The external identifier names a DTD that is never fetched: dropping the DOCTYPE drops it.
  if (text.startsWith('PUBLIC', i)) {
    i = skipSpace(text, readQuoted(text, skipSpace(text, i + 6)).end);
    if (text[i] === '"' || text[i] === "'") i = skipSpace(text, readQuoted(text, i).end);
  } else if (text.startsWith('SYSTEM', i)) {
    i = skipSpace(text, readQuoted(text, skipSpace(text, i + 6)).end);
  }
  if (text[i] === '[') {
    subset = true;
    i++;
    for (;;) {
      i = skipSpace(text, i);
      if (i >= text.length) throw refuse('unterminated internal subset');
      if (text[i] === ']') {
        i++;
        break;
      }
      if (text.startsWith('<!--', i)) {
        const close = text.indexOf('-->', i + 4);
        if (close < 0) throw refuse('unterminated comment');
        i = close + 3;
      } else if (text.startsWith('<?', i)) {
        const close = text.indexOf('?>', i + 2);
        if (close < 0) throw refuse('unterminated processing instruction');
        i = close + 2;
      } else if (text.startsWith('<!ENTITY', i)) {
        i = readEntity(text, i, entities, limits);
      } else if (/^<!(ATTLIST|ELEMENT|NOTATION)\s/.test(text.slice(i, i + 11))) {
        // Attribute defaults and content models only matter to validating parsers; the DOCTYPE
        // is removed, so they are dropped with it.
        i = skipDeclaration(text, i + 2);
      } else if (text[i] === '%') {
        throw refuse('parameter entity references are not allowed');
      } else {
        throw refuse('unexpected content in the internal subset');
      }
    }
    i = skipSpace(text, i);
  }
  if (text[i] !== '>') throw refuse('malformed DOCTYPE');
  return { entities, end: i + 1, subset };
}

/** Escapes an entity value so it reads the same in text and in either kind of quoted attribute. */
function escapeValue(value: string): string {
  return value.replace(/["'>]/g, (c) => (c === '"' ? '&quot;' : c === "'" ? '&apos;' : '&gt;'));
}

/**
 * Removes the DOCTYPE of `text` and expands the general entities its internal subset declares.
 *
 * Accepted: plain text entities (no `&`, `%` or `<` in the value), comments, processing
 * instructions and ATTLIST/ELEMENT/NOTATION declarations (dropped). Refused with INVALID_SVG:
 * parameter entities, external (SYSTEM/PUBLIC) entities, entities referencing entities or markup,
 * more than `maxDeclarations` declarations, and total expansion beyond `maxExpansionChars`.
 * References inside comments and CDATA sections are left alone, as XML does. Undeclared
 * references are left for the XML parser to reject.
 */
export function resolveEntities(
  text: string,
  limits: EntityLimits = DEFAULT_ENTITY_LIMITS,
): ResolvedDocument {
  const start = findDoctype(text);
  // No DOCTYPE in the prolog: one anywhere else is not well-formed, and sax rejects it itself
  // ("Inappropriately located doctype declaration") before reading any declaration in it.
  if (start < 0) return { text, hadDoctype: false, hadInternalSubset: false, declarations: 0, references: 0 };
  const { entities, end, subset } = readDoctype(text, start, limits);
  const body = text.slice(end);
  let references = 0;
  let expanded = 0;
  const replaced =
    entities.size === 0
      ? body
      : body.replace(
          /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|&([^\s&;#<>"']+);/g,
          (match, name: string | undefined) => {
            if (name === undefined) return match;
            const value = entities.get(name);
            if (value === undefined) return match;
            references++;
            expanded += value.length;
            if (expanded > limits.maxExpansionChars) throw refuse('entity expansion is too large');
            return escapeValue(value);
          },
        );
  return {
    text: text.slice(0, start) + replaced,
    hadDoctype: true,
    hadInternalSubset: subset,
    declarations: entities.size,
    references,
  };
}
