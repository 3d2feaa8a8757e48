// Watching a network learn: after each epoch of a run the server sends a snapshot (see
// web/training_run.py) of its first 8 neurons' weights and its guesses for ten test digits,
// and this redraws them: the weights as 28 x 28 pictures, each digit with its current guess.

import { diverging } from "./inside.js";

const SIDE = 28;

function picture(pixelColour) {
  const canvas = document.createElement("canvas");
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) image.data.set([...pixelColour(i), 255], 4 * i);
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export function initLearning() {
  const panel = document.getElementById("learning");
  const weights = document.getElementById("learning-weights");
  const samples = document.getElementById("learning-samples");
  let labels = [];

  return {
    /** A new run: forget the last run's pictures until its samples arrive. */
    reset() {
      panel.hidden = true;
      weights.replaceChildren();
      samples.replaceChildren();
      labels = [];
    },

    /** The `samples` event: the test digits (0-255 pixels, ink white) and their labels. */
    showSamples(data) {
      labels = data.labels;
      samples.replaceChildren(
        ...data.pixels.map((pixels, k) => {
          const tile = document.createElement("div");
          tile.className = "sample";
          tile.dataset.label = String(labels[k]);
          const ink = (i) => [255 - pixels[i], 255 - pixels[i], 255 - pixels[i]];
          const guess = document.createElement("span");
          guess.className = "guess";
          guess.textContent = "?";
          tile.append(picture(ink), guess);
          return tile;
        }),
      );
    },

    /** An epoch's snapshot: redraw the weights and each sample's guess. */
    showSnapshot(snapshot, epoch) {
      const range = snapshot.max_abs || 1;
      weights.replaceChildren(
        ...snapshot.neurons.map((w) => picture((i) => diverging(w[i] / range))),
      );
      weights.dataset.epoch = String(epoch);
      snapshot.predictions.forEach((p, k) => {
        const tile = samples.children[k];
        if (!tile) return;
        const guess = tile.querySelector(".guess");
        const confidence = Math.max(...p.outputs);
        guess.textContent = String(p.digit);
        tile.title = `a ${labels[k]}, read as ${p.digit} (output ${confidence.toFixed(2)})`;
        tile.dataset.guess = String(p.digit);
        tile.classList.toggle("wrong", p.digit !== labels[k]);
      });
      samples.dataset.epoch = String(epoch);
      panel.hidden = false;
    },
  };
}
