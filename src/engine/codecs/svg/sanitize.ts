/**
 * The SVG sanitizer, as an svgo plugin so it works on the same parse as the minifier.
 *
 * Removes everything that can run code or reach outside the document: `<script>`, `<foreignObject>`
 * (HTML inside SVG), other embedding elements, `on*` event handlers, `javascript:` URLs, href /
 * xlink:href to anything but `#fragment` or a raster `data:image`, external `url(...)` in styles and
 * presentation attributes, `@import`, animations that rewrite href or handlers, processing
 * instructions (xml-stylesheet) and DOCTYPEs. It also refuses documents whose root is not `<svg>`.
 * svgo's own `removeScripts` misses external references and animation tricks, hence this plugin.
 */
import type { CustomPlugin, XastChild, XastElement, XastParent, XastRoot } from 'svgo';
import { SquishError } from '../../../errors/index.js';
import { sanitizeCss } from './css-urls.js';
import { classifyUrl, compactUrl, SCHEME_PREFIX_LENGTH } from './urls.js';

/** Counts of what the sanitizer removed. */
export interface SanitizeReport {
  scripts: number;
  eventHandlers: number;
  externalReferences: number;
  javascriptUrls: number;
  foreignObjects: number;
  /** Embedding elements (iframe, object, handler...) and href-rewriting animations. */
  otherElements: number;
  /** `@import` rules. */
  imports: number;
  /** Processing instructions other than the XML declaration (xml-stylesheet...). */
  instructions: number;
}

/** A report with every count at zero. */
export function emptySanitizeReport(): SanitizeReport {
  return {
    scripts: 0,
    eventHandlers: 0,
    externalReferences: 0,
    javascriptUrls: 0,
    foreignObjects: 0,
    otherElements: 0,
    imports: 0,
    instructions: 0,
  };
}

const LABELS: Record<keyof SanitizeReport, [string, string]> = {
  scripts: ['script element', 'script elements'],
  eventHandlers: ['event handler', 'event handlers'],
  externalReferences: ['external reference', 'external references'],
  javascriptUrls: ['javascript: URL', 'javascript: URLs'],
  foreignObjects: ['foreignObject element', 'foreignObject elements'],
  otherElements: ['embedding or href-animating element', 'embedding or href-animating elements'],
  imports: ['@import rule', '@import rules'],
  instructions: ['processing instruction', 'processing instructions'],
};

/** One note such as "removed 2 script elements, 3 event handlers, 1 external reference", or none. */
export function describeRemovals(report: SanitizeReport): string[] {
  const parts: string[] = [];
  for (const key of Object.keys(LABELS) as (keyof SanitizeReport)[]) {
    const n = report[key];
    if (n > 0) parts.push(`${n} ${LABELS[key][n === 1 ? 0 : 1]}`);
  }
  return parts.length ? [`sanitized: removed ${parts.join(', ')}`] : [];
}

/** Total of all counts. */
export function removalCount(report: SanitizeReport): number {
  return Object.values(report).reduce((a, b) => a + b, 0);
}

/** Elements removed with their content. Names compared without prefix, lower-cased. */
const EMBEDDING = new Set([
  'handler',
  'listener',
  'iframe',
  'frame',
  'frameset',
  'embed',
  'object',
  'applet',
  'meta',
  'link',
  'base',
  'audio',
  'video',
  'canvas',
]);
const ANIMATION = new Set(['animate', 'set', 'animatemotion', 'animatetransform', 'animatecolor']);
/** Attributes that load a URL in some viewer even though SVG does not define them. */
const URL_ATTRIBUTES = new Set([
  'src',
  'data',
  'action',
  'formaction',
  'background',
  'lowsrc',
  'dynsrc',
  'base',
]);

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon < 0 ? name : name.slice(colon + 1)).toLowerCase();
}

function isScriptValue(value: string): boolean {
  // Every scheme tested ends in a colon, which compacting cannot bring in: most values (numbers,
  // colours, path data) are settled by this one scan.
  if (!value.includes(':')) return false;
  return /^(?:java|vb)script:|^data:text\/html/.test(compactUrl(value, SCHEME_PREFIX_LENGTH));
}

function sanitizeAttributes(element: XastElement, report: SanitizeReport): void {
  for (const [name, value] of Object.entries(element.attributes)) {
    const local = localName(name);
    if (local.startsWith('on')) {
      delete element.attributes[name];
      report.eventHandlers++;
    } else if (name === 'xml:base') {
      delete element.attributes[name];
      report.externalReferences++;
    } else if (local === 'href' || URL_ATTRIBUTES.has(local)) {
      const kind = classifyUrl(value);
      if (kind === 'local' || kind === 'data-image') continue;
      delete element.attributes[name];
      if (kind === 'script') report.javascriptUrls++;
      else report.externalReferences++;
    } else if (isScriptValue(value)) {
      delete element.attributes[name];
      report.javascriptUrls++;
    } else if (local === 'style' || /url\(|image|\\/i.test(value)) {
      const css = sanitizeCss(value);
      if (css.text === value) continue;
      if (css.text.trim() === '') delete element.attributes[name];
      else element.attributes[name] = css.text;
      report.externalReferences += css.removed.externalReferences;
      report.javascriptUrls += css.removed.javascriptUrls;
      report.imports += css.removed.imports;
    }
  }
}

function sanitizeStyleSheet(element: XastElement, report: SanitizeReport): void {
  for (const child of element.children) {
    if (child.type !== 'text' && child.type !== 'cdata') continue;
    const css = sanitizeCss(child.value);
    child.value = css.text;
    report.externalReferences += css.removed.externalReferences;
    report.javascriptUrls += css.removed.javascriptUrls;
    report.imports += css.removed.imports;
  }
}

/** Whether an element must go entirely, counting it in `report` when so. */
function removeWholeElement(element: XastElement, report: SanitizeReport): boolean {
  const local = localName(element.name);
  if (local === 'script') {
    report.scripts++;
    return true;
  }
  if (local === 'foreignobject') {
    report.foreignObjects++;
    return true;
  }
  if (EMBEDDING.has(local)) {
    report.otherElements++;
    return true;
  }
  if (ANIMATION.has(local)) {
    const target = localName(element.attributes.attributeName ?? '');
    if (target === 'href' || target.startsWith('on')) {
      report.otherElements++;
      return true;
    }
  }
  return false;
}

function sanitizeChildren(parent: XastParent, report: SanitizeReport): void {
  const kept: XastChild[] = [];
  for (const child of parent.children) {
    if (child.type === 'doctype') continue;
    if (child.type === 'instruction') {
      if (child.name.toLowerCase() !== 'xml') report.instructions++;
      continue;
    }
    if (child.type === 'element') {
      if (removeWholeElement(child, report)) continue;
      sanitizeAttributes(child, report);
      if (localName(child.name) === 'style') sanitizeStyleSheet(child, report);
      sanitizeChildren(child, report);
    }
    kept.push(child);
  }
  parent.children = kept;
}

/**
 * Throws INVALID_SVG unless the document's root element is `<svg>`. The XML declaration is dropped
 * by the sanitizer because the output is always UTF-8, whatever encoding the input declared.
 */
function assertSvgRoot(root: XastRoot): void {
  const element = root.children.find((child) => child.type === 'element');
  if (!element || localName(element.name) !== 'svg') {
    throw new SquishError('INVALID_SVG', 'The document root element is not <svg>.');
  }
}

/**
 * Creates the sanitizing svgo plugin; each run adds what it removed to `report`. Put it first in the
 * plugin list, so later plugins only ever see sanitized content.
 */
export function createSanitizePlugin(report: SanitizeReport): CustomPlugin {
  return {
    name: 'squishSanitize',
    fn: () => ({
      root: {
        enter: (root) => {
          assertSvgRoot(root);
          sanitizeChildren(root, report);
        },
      },
    }),
  };
}
