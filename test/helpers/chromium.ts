/**
 * A real browser for the tests: Debian's Chromium driven by playwright-core. The engine checks SVG
 * results with librsvg, which draws one still frame and reads no CSS `var()`; what people see is a
 * browser's rendering, so the tests look at that too.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import type { RgbImage } from '../../src/engine/metric/ssimulacra2.js';

/** Flags for a headless Chromium in a container, as shared/notes/services.md measured them. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** How a page shows an SVG file as an image. */
export interface SvgView {
  width: number;
  height: number;
  colorScheme?: 'light' | 'dark';
}

/**
 * The SVG file shown as an `<img>` (as a web page shows it: a standalone document, scripts off)
 * at `width` x `height` CSS pixels on white, screenshotted at device scale 1; undefined when the
 * browser does not show it as an image.
 */
export async function renderInChromium(
  page: Page,
  svg: Uint8Array,
  view: SvgView,
): Promise<RgbImage | undefined> {
  await page.emulateMedia({ colorScheme: view.colorScheme ?? 'light' });
  await page.setViewportSize({ width: view.width, height: view.height });
  const source = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:#fff"><img id="svg" width="${view.width}" height="${view.height}" style="display:block"></body></html>`,
  );
  // A string, run in the page: the DOM's types are not in this Node project's.
  const shown = await page.evaluate(`(async () => {
    const image = document.getElementById('svg');
    image.src = ${JSON.stringify(source)};
    try {
      await image.decode();
      return image.naturalWidth > 0;
    } catch {
      return false;
    }
  })()`);
  if (!shown) return undefined;
  const png = await page.screenshot({ clip: { x: 0, y: 0, width: view.width, height: view.height } });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
