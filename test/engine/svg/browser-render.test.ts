import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { launchChromium, renderInChromium, type SvgView } from '../../helpers/chromium.js';
import { serviceValue, skipWithout } from '../../helpers/services.js';
import { bothModes, bytes, context, fixture } from './helpers.js';

const skip = skipWithout('chromium');

/** The document with the SVG namespace declared, as a file missing it was meant to be. */
function withNamespace(input: Uint8Array): Uint8Array {
  return bytes(new TextDecoder().decode(input).replace('<svg ', '<svg xmlns="http://www.w3.org/2000/svg" '));
}

// The engine's render check uses librsvg. These tests look at what people see: Chromium showing
// the file as an image, the way a web page does.
describe('SVG results in a browser', { skip }, () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    browser = await launchChromium(serviceValue('chromium')!);
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
  });

  /** SSIMULACRA2 of `output` against `reference`, both shown by Chromium. */
  async function browserScore(reference: Uint8Array, output: Uint8Array, view: SvgView): Promise<number> {
    const [before, afterwards] = [
      await renderInChromium(page, reference, view),
      await renderInChromium(page, output, view),
    ];
    assert.ok(before, 'the reference shows in the browser');
    assert.ok(afterwards, 'the output shows in the browser');
    return ssimulacra2(before, afterwards);
  }

  it('shows the corpus fixtures as their inputs show (lossless >= 90, lossy >= 70)', async () => {
    for (const [name, view] of [
      ['oc-goto.svg', { width: 512, height: 512 }],
      ['oc-user_frederic_moser_01.svg', { width: 512, height: 327 }],
      ['oc-star_75pt08step.svg', { width: 512, height: 512 }],
    ] as const) {
      const input = fixture(name);
      // oc-star declares no SVG namespace: a browser shows it only once it has one.
      const reference = name.startsWith('oc-star') ? withNamespace(input) : input;
      const [lossless, lossy] = await bothModes(input);
      const losslessScore = await browserScore(reference, lossless.data, view);
      assert.ok(losslessScore >= 90, `${name} lossless: SSIMULACRA2 ${losslessScore} in Chromium`);
      const lossyScore = await browserScore(reference, lossy.data, view);
      assert.ok(lossyScore >= 70, `${name} lossy: SSIMULACRA2 ${lossyScore} in Chromium`);
    }
  });

  it('shows a file whose root lacked the SVG namespace, which the browser did not show', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    const view = { width: 256, height: 256 };
    assert.equal(await renderInChromium(page, input, view), undefined);
    assert.ok(await renderInChromium(page, (await svgOptimizer.lossless(input, context())).data, view));
  });

  it('shows paint that comes from CSS variables as the input did (librsvg reads none)', async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><g style="--paint:#3366cc;--edge:#aa2200">' +
        '<rect x="10.5" y="10.5" width="60" height="60" style="fill:var(--paint);stroke:var(--edge);stroke-width:4.000"/></g></svg>',
    );
    const [lossless] = await bothModes(input);
    const score = await browserScore(input, lossless.data, { width: 300, height: 300 });
    assert.ok(score >= 90, `SSIMULACRA2 ${score} in Chromium`);
  });

  it('keeps the dark-mode colours of a sheet with prefers-color-scheme', async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><style>.ink{fill:#000000}.sun{fill:#3366cc}' +
        '@media (prefers-color-scheme: dark){.ink{fill:#ffcc00}.sun{fill:#99bbff}}</style>' +
        '<rect class="ink" x="10.000" y="10.000" width="80" height="35"/><circle class="sun" cx="50" cy="70" r="20.000"/></svg>',
    );
    const [lossless, lossy] = await bothModes(input);
    for (const output of [lossless.data, lossy.data]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const score = await browserScore(input, output, { width: 300, height: 300, colorScheme });
        assert.ok(score >= 90, `${colorScheme}: SSIMULACRA2 ${score} in Chromium`);
      }
    }
  });

  it('shows inline styles turned into attributes as the inline styles showed', async () => {
    const style =
      'fill:#3366cc;fill-opacity:1;fill-rule:nonzero;stroke:#111111;stroke-width:2.5;stroke-linejoin:round;stroke-opacity:1';
    const input = bytes(
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100"><g style="opacity:0.8">${[
        0, 1, 2, 3,
      ]
        .map(
          (i) =>
            `<path style="${style}" d="M ${10 + i * 45}.25,20.5 L ${40 + i * 45}.75,20.5 L ${25 + i * 45}.5,80.25 Z"/>`,
        )
        .join('')}</g></svg>`,
    );
    const [lossless] = await bothModes(input);
    assert.doesNotMatch(new TextDecoder().decode(lossless.data), /style=/);
    const score = await browserScore(input, lossless.data, { width: 400, height: 200 });
    assert.ok(score >= 90, `SSIMULACRA2 ${score} in Chromium`);
  });
});
