/** Packed pixels as sharp's raw output gives them: interleaved 8-bit samples, rows top to bottom. */
export interface RawView {
  data: Uint8Array;
  width: number;
  height: number;
}

/** sharp's `toBuffer({ resolveWithObject: true })` result as packed pixels (a view, no copy). */
export function rawView(output: { data: Buffer; info: { width: number; height: number } }): RawView {
  const { data, info } = output;
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
