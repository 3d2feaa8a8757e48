// 28 x 28 pictures on canvases: a digit in grey, or signed values in blue, white and red.

import { diverging } from "./inside.js";

export const SIDE = 28;

function paint(canvas, colourOf) {
  canvas.width = canvas.height = SIDE;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) image.data.set([...colourOf(i), 255], 4 * i);
  ctx.putImageData(image, 0, 0);
}

/** A digit's pixels in [0, 1] as ink: 0 white, 1 black (as it was drawn). */
export function drawDigit(canvas, pixels) {
  paint(canvas, (i) => {
    const g = Math.round(255 * (1 - Math.max(0, Math.min(1, pixels[i]))));
    return [g, g, g];
  });
}

/** Signed values in [-1, 1] (divided by their largest size): blue < 0 < red. */
export function drawSigned(canvas, values) {
  paint(canvas, (i) => diverging(values[i]));
}

/** A blank picture. */
export function clearPicture(canvas) {
  paint(canvas, () => [246, 245, 241]);
}
