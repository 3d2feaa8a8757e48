// A look inside: the first hidden layer's activations for the current input, and each hidden
// neuron's 784 incoming weights drawn as a 28 x 28 picture (GET /api/weights).

import { getJSON } from "./api.js";

const NEGATIVE = [33, 102, 172]; // blue: ink here lowers the neuron's weighted input
const POSITIVE = [178, 24, 43]; // red: ink here raises it
const WHITE = [255, 255, 255];

/** A diverging colour for t in [-1, 1]: blue through white to red. */
export function diverging(t) {
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const k = Math.min(1, Math.abs(t));
  return WHITE.map((w, i) => Math.round(w + (end[i] - w) * k));
}

export function initInside() {
  const hiddenRow = document.getElementById("hidden");
  const grid = document.getElementById("weights");
  const info = document.getElementById("neuron-info");
  let activations = null; // the current input's hidden activations, or null
  let weights = null; // the /api/weights response
  let pinned = null; // the neuron clicked, if any

  function neuronCount() {
    return weights ? weights.neurons.length : activations ? activations.length : 0;
  }

  function buildRow() {
    const n = neuronCount();
    if (hiddenRow.children.length === n) return;
    hiddenRow.replaceChildren();
    for (let j = 0; j < n; j++) {
      const cell = document.createElement("button");
      cell.type = "button";
      cell.className = "neuron";
      cell.dataset.neuron = String(j);
      cell.setAttribute("aria-label", `hidden neuron ${j}`);
      hiddenRow.append(cell);
    }
  }

  function paintRow() {
    buildRow();
    for (const cell of hiddenRow.children) {
      const a = activations ? activations[Number(cell.dataset.neuron)] : null;
      cell.style.setProperty("--a", a == null ? 0 : a.toFixed(3));
      cell.dataset.activation = a == null ? "" : a.toFixed(4);
      cell.title = a == null ? `neuron ${cell.dataset.neuron}` : `neuron ${cell.dataset.neuron}: ${a.toFixed(2)}`;
    }
    for (const tile of grid.children) {
      const a = activations ? activations[Number(tile.dataset.neuron)] : null;
      tile.style.setProperty("--a", a == null ? 0 : a.toFixed(3));
    }
    describe(pinned);
  }

  function buildGrid() {
    grid.replaceChildren();
    const range = Math.max(Math.abs(weights.min), Math.abs(weights.max)) || 1;
    const [rows, cols] = weights.shape;
    weights.neurons.forEach((w, j) => {
      const tile = document.createElement("button");
      tile.type = "button";
      tile.className = "weight";
      tile.dataset.neuron = String(j);
      tile.setAttribute("aria-label", `weights of hidden neuron ${j}`);
      const canvas = document.createElement("canvas");
      canvas.width = cols;
      canvas.height = rows;
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(cols, rows);
      for (let i = 0; i < rows * cols; i++) {
        const [r, g, b] = diverging(w[i] / range);
        image.data.set([r, g, b, 255], 4 * i);
      }
      ctx.putImageData(image, 0, 0);
      const label = document.createElement("span");
      label.className = "weight-label";
      label.textContent = String(j);
      const meter = document.createElement("span");
      meter.className = "weight-activation";
      tile.append(canvas, meter, label);
      grid.append(tile);
    });
  }

  function describe(j) {
    for (const el of document.querySelectorAll(".neuron.selected, .weight.selected")) {
      el.classList.remove("selected");
    }
    if (j == null) {
      info.textContent = "Point at a neuron to see its activation and its weights.";
      return;
    }
    for (const el of document.querySelectorAll(`[data-neuron="${j}"]`)) el.classList.add("selected");
    const a = activations ? activations[j] : null;
    let text = `Hidden neuron ${j}: `;
    text += a == null ? "draw a digit to see its activation." : `activation ${a.toFixed(3)} for this input.`;
    if (weights) {
      const w = weights.neurons[j];
      text += ` Its weights run from ${Math.min(...w).toFixed(2)} to ${Math.max(...w).toFixed(2)}.`;
    }
    info.textContent = text;
  }

  function neuronOf(event) {
    const el = event.target.closest("[data-neuron]");
    return el ? Number(el.dataset.neuron) : null;
  }
  for (const container of [hiddenRow, grid]) {
    container.addEventListener("pointerover", (e) => {
      const j = neuronOf(e);
      if (j != null) describe(j);
    });
    container.addEventListener("pointerleave", () => describe(pinned));
    container.addEventListener("click", (e) => {
      const j = neuronOf(e);
      pinned = j === pinned ? null : j;
      describe(pinned);
    });
    container.addEventListener("focusin", (e) => describe(neuronOf(e)));
  }

  return {
    async loadWeights() {
      weights = await getJSON("/api/weights");
      pinned = null;
      buildGrid();
      paintRow();
    },
    clearWeights() {
      weights = null;
      grid.replaceChildren();
      paintRow();
    },
    showActivations(hidden) {
      activations = hidden;
      paintRow();
    },
  };
}
