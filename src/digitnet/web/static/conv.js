// Inside a convolutional network: the digit's feature maps (POST /api/conv/maps), each
// conv-pool layer's maps as small grey pictures, and the learned filters (GET
// /api/conv/filters) in blue, white and red. Shown for a convolutional model only, and
// fetched only while the panel is on screen: the filters once per model, the maps once per
// digit.

import { getJSON, postJSON } from "./api.js";
import { diverging } from "./inside.js";

const REFRESH_DELAY_MS = 120; // after the last change of the digit: drawing sends many

export function initConv() {
  const section = document.getElementById("conv");
  const mapsBox = document.getElementById("conv-maps");
  const filtersBox = document.getElementById("conv-filters");
  const text = document.getElementById("conv-text");
  const errorLine = document.getElementById("conv-error");

  let active = false; // the model served is convolutional
  let servedSource; // the model whose filters are drawn (undefined until known)
  let visible = false;
  let pixels = null; // the digit's 784 centred pixels, or null
  let shownPixels = null; // those whose maps are drawn
  let filtersShown = false;
  let version = 0; // bumped per digit and per model: only the latest answers are drawn
  let timer = null;

  new IntersectionObserver((entries) => {
    visible = entries.some((entry) => entry.isIntersecting);
    if (visible) schedule();
  }).observe(section);

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(version), REFRESH_DELAY_MS);
  }

  async function refresh(asked) {
    if (!active || !visible) return;
    try {
      if (!filtersShown) {
        const found = await getJSON("/api/conv/filters");
        if (asked !== version) return;
        drawFilters(found.layers);
        filtersShown = true;
      }
      if (pixels && pixels !== shownPixels) {
        const wanted = pixels;
        section.dataset.state = "loading";
        const found = await postJSON("/api/conv/maps", { pixels: wanted });
        if (asked !== version) return;
        drawMaps(found.layers);
        shownPixels = wanted;
      }
      errorLine.hidden = true;
    } catch (err) {
      if (asked !== version) return;
      section.dataset.state = "error";
      errorLine.textContent = err.message;
      errorLine.hidden = false;
    }
  }

  function layerRow(layer, caption) {
    const row = document.createElement("figure");
    row.className = "conv-layer";
    row.dataset.layer = String(layer.layer);
    const pictures = document.createElement("div");
    pictures.className = "conv-pictures";
    const words = document.createElement("figcaption");
    words.textContent = caption;
    row.append(words, pictures);
    return [row, pictures];
  }

  function drawMaps(layers) {
    mapsBox.replaceChildren(
      ...layers.map((layer) => {
        const [rows, cols] = layer.shape;
        const [row, pictures] = layerRow(
          layer,
          `Layer ${layer.layer} (${layer.spec}): ${layer.maps.length} maps of ${rows} × ${cols}, ` +
            `black ${layer.min.toFixed(2)} to white ${layer.max.toFixed(2)}`,
        );
        layer.maps.forEach((url, f) => {
          const img = document.createElement("img");
          img.className = "conv-map pixelated";
          img.src = url;
          img.alt = `layer ${layer.layer}, map ${f + 1}`;
          img.title = `layer ${layer.layer}, map ${f + 1}`;
          pictures.append(img);
        });
        return row;
      }),
    );
    const n = layers.reduce((sum, layer) => sum + layer.maps.length, 0);
    section.dataset.state = "done";
    section.dataset.maps = String(n);
    text.textContent = `Each conv layer's maps for your digit, after its max-pooling and activation: ${n} in all.`;
  }

  function drawFilters(layers) {
    filtersBox.replaceChildren(
      ...layers.map((layer) => {
        const what = layer.inputs === 1 ? "its kernels" : `each kernel's mean over its ${layer.inputs} input maps`;
        const [row, pictures] = layerRow(
          layer,
          `Layer ${layer.layer} (${layer.spec}): ${what}, ${layer.size} × ${layer.size}, up to ±${layer.max_abs.toPrecision(2)}`,
        );
        layer.filters.forEach((values, f) => {
          const canvas = document.createElement("canvas");
          canvas.className = "conv-filter";
          canvas.width = canvas.height = layer.size;
          const ctx = canvas.getContext("2d");
          const image = ctx.createImageData(layer.size, layer.size);
          values.forEach((v, i) => image.data.set([...diverging(v), 255], 4 * i));
          ctx.putImageData(image, 0, 0);
          canvas.title = `layer ${layer.layer}, filter ${f + 1}`;
          pictures.append(canvas);
        });
        return row;
      }),
    );
    filtersBox.dataset.filters = String(layers.reduce((sum, layer) => sum + layer.filters.length, 0));
  }

  function clearMaps() {
    mapsBox.replaceChildren();
    section.dataset.state = "empty";
    section.dataset.maps = "0";
    text.textContent = "Draw a digit to see its feature maps.";
  }

  clearMaps();
  return {
    /** The model served is `source` (null: none); `conv`: whether it is convolutional. */
    modelChanged(conv, source) {
      if (conv === active && source === servedSource) return;
      active = conv;
      servedSource = source;
      version += 1;
      filtersShown = false;
      shownPixels = null;
      filtersBox.replaceChildren();
      clearMaps();
      if (active && pixels) text.textContent = "";
      schedule();
    },
    /** The digit drawn, as the network saw it (784 pixels in [0, 1]); null when cleared. */
    showDigit(next) {
      version += 1;
      pixels = next;
      if (!next) {
        shownPixels = null;
        clearMaps();
        return;
      }
      schedule();
    },
  };
}
