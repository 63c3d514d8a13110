import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { bothModes, bytes } from './helpers.js';

/** The lossless and the lossy output of a document, as text. */
async function outputs(text: string): Promise<string[]> {
  return (await bothModes(bytes(text))).map((result) => new TextDecoder().decode(result.data));
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">';

// librsvg draws one still frame, in no media but its own and with no pointer over it, so the
// render check passes whatever svgo does to an animation, a dark-mode rule or a hover rule: these
// documents must come out behaving as they went in, which only the configuration ensures.
describe('SVG animations and conditional styles', () => {
  it('reads SMIL and CSS animations from the text, and whether they change path data', () => {
    assert.equal(minifyFacts(`${SVG}<rect/></svg>`).animated, false);
    assert.equal(minifyFacts(`${SVG}<settings/><rect/></svg>`).animated, false);
    assert.equal(minifyFacts(`${SVG}<rect><set attributeName="x" to="5"/></rect></svg>`).animated, true);
    assert.equal(minifyFacts(`${SVG}<style>@keyframes a{}</style></svg>`).animated, true);
    assert.equal(minifyFacts(`${SVG}<g style="transition: opacity 1s"/></svg>`).animated, true);
    assert.equal(
      minifyFacts(`${SVG}<path><animate attributeName="fill"/></path></svg>`).animatesPathData,
      false,
    );
    assert.equal(minifyFacts(`${SVG}<path><animate attributeName="d"/></path></svg>`).animatesPathData, true);
  });

  it('reads conditional CSS from a sheet: media queries and user-action pseudo-classes', () => {
    const facts = (sheet: string) =>
      minifyFacts(`${SVG}<style>${sheet}</style><rect/></svg>`).conditionalStyles;
    assert.equal(facts('.a{fill:red} :root{color:blue} rect:first-child{fill:red}'), false);
    assert.equal(facts('@media (prefers-color-scheme: dark){.a{fill:#fff}}'), true);
    assert.equal(facts('.a:hover{fill:red}'), true);
    assert.equal(facts('@supports (fill: context-fill){.a{fill:context-fill}}'), true);
    // Without a sheet, a word like ":hover" in text content is no rule.
    assert.equal(minifyFacts(`${SVG}<text>a:hover</text></svg>`).conditionalStyles, false);
  });

  it('keeps dark-mode and hover rules working (no unconditional rule inlined over them)', async () => {
    for (const text of await outputs(
      `${SVG}<style>.a{fill:#000000}@media (prefers-color-scheme: dark){.a{fill:#ffffff}}.b{fill:#ff0000}.b:hover{fill:#00ff00}</style>` +
        '<rect class="a" x="10" y="10" width="40" height="40"/><rect class="b" x="50" y="50" width="40" height="40"/></svg>',
    )) {
      assert.match(text, /@media \(prefers-color-scheme: ?dark\)\{\.a\{fill:#fff\}\}/);
      assert.match(text, /\.b:hover\{fill:#0f0\}/);
      assert.match(text, /<rect [^>]*class="a"/);
      assert.match(text, /<rect [^>]*class="b"/);
      assert.doesNotMatch(text, /style="/);
    }
  });

  it('keeps an animated shape a shape (a path has no width to animate)', async () => {
    for (const text of await outputs(
      `${SVG}<rect x="10.000" y="10.000" width="20.000" height="20.000" fill="#ff0000"><animate attributeName="width" values="20;60;20" dur="1s" repeatCount="indefinite"/></rect></svg>`,
    )) {
      assert.match(text, /<rect [^>]*width="20"[^>]*><animate [^>]*attributeName="width"/);
    }
  });

  it('keeps the SVG 2 href of <animate> and the id it points at', async () => {
    for (const text of await outputs(
      `${SVG}<path id="p" d="M 10.000 10.000 L 50.000 10.000 L 50.000 50.000 Z" fill="#00ff00"/><animate href="#p" attributeName="fill" values="#00ff00;#0000ff" dur="2s" repeatCount="indefinite"/></svg>`,
    )) {
      assert.match(text, /<path [^>]*id="p"/);
      assert.match(text, /<animate [^>]*href="#p"/);
    }
  });

  it('keeps the ids that SMIL timing names, and elements an animation shows later', async () => {
    for (const text of await outputs(
      `${SVG}<rect x="10" y="10" width="20" height="20" fill="#ff0000"><animate id="first" attributeName="x" values="10;60" dur="1s"/></rect>` +
        `<circle cx="50" cy="50" r="10" fill="#0000ff" opacity="0"><set attributeName="opacity" to="1" begin="first.end"/></circle></svg>`,
    )) {
      assert.match(text, /id="first"/);
      assert.match(text, /begin="first\.end"/);
      assert.match(text, /<circle [^>]*opacity="0"/);
    }
  });

  it('keeps the commands of path data that an animation interpolates', async () => {
    const from = 'M 10 10 L 50 10 L 50 50 Z';
    for (const text of await outputs(
      `${SVG}<path d="${from}" fill="#00ff00"><animate attributeName="d" to="M 10 10 L 90 10 L 90 90 Z" dur="2s" fill="freeze"/></path></svg>`,
    )) {
      // Three absolute commands, as the animation's end value has; svgo would write M10 10h40v40Z.
      assert.match(text, /d="M ?10 10 ?L ?50 10 ?L ?50 50 ?Z"/);
    }
  });

  it('still minifies an animated document (numbers, metadata, whitespace)', async () => {
    const text = `${SVG}<!-- spinner --><metadata>made by hand</metadata>\n  <g transform="translate(50.000000, 50.000000)">\n    <circle r="20.000000" fill="none" stroke="#333333" stroke-width="4.000000"/>\n    <animateTransform attributeName="transform" type="rotate" additive="sum" from="0" to="360" dur="1s" repeatCount="indefinite"/>\n  </g>\n</svg>`;
    const [lossless] = await outputs(text);
    assert.ok(lossless!.length < text.length * 0.8, `${lossless!.length} of ${text.length} bytes`);
    assert.doesNotMatch(lossless!, /spinner|metadata|\n/);
    assert.match(
      lossless!,
      /<g transform="translate\(50 50\)"><circle r="20" fill="none" stroke="#333" stroke-width="4"\/>/,
    );
    assert.match(lossless!, /<animateTransform [^>]*type="rotate"/);
  });
});
