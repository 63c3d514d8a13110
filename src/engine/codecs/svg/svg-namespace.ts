/**
 * Declares the SVG namespace on a root `<svg>` that lacks it. librsvg renders such a document, and
 * so the render check passes it, but a browser shows a standalone file without the namespace (an
 * `<img>`, a CSS background, a direct link) as plain XML or not at all: some Open Clip Art files
 * start `<svg height="100" width="100">`. With the declaration, the output shows wherever the
 * input was meant to, for 34 bytes.
 */
import type { CustomPlugin } from 'svgo';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** The svgo plugin that adds `xmlns` to an unprefixed root `<svg>` without one. */
export const declareSvgNamespace: CustomPlugin = {
  name: 'squishDeclareSvgNamespace',
  fn: () => ({
    element: {
      enter: (node, parent) => {
        if (parent.type === 'root' && node.name === 'svg' && node.attributes.xmlns === undefined) {
          // First, where every SVG writer puts it.
          node.attributes = { xmlns: SVG_NAMESPACE, ...node.attributes };
        }
      },
    },
  }),
};
