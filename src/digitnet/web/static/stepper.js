// See it learn: one step of gradient descent on the digit just drawn (or an MNIST test
// digit), stepped through stage by stage. Every number comes from POST /api/step, which
// runs the project's own backprop; this file only lays the numbers out.

import { postJSON } from "./api.js";
import { diverging } from "./inside.js";
import { fmt, movement, stageEquation, stageWords } from "./stepper-words.js";

const SIDE = 28;
const TEN_STEPS = 10;
const MAX_STEPS = 100; // POST /api/step's limit (GET /api/limits: step.steps)

export function initStepper() {
  const section = document.getElementById("learn");
  const labels = document.getElementById("learn-labels");
  const rate = document.getElementById("learn-rate");
  const indexInput = document.getElementById("learn-index");
  const stepButton = document.getElementById("learn-step");
  const tenButton = document.getElementById("learn-ten");
  const resetButton = document.getElementById("learn-reset");
  const back = document.getElementById("learn-back");
  const next = document.getElementById("learn-next");
  const count = document.getElementById("learn-count");
  const stage = document.getElementById("learn-stage");
  const title = document.getElementById("learn-title-stage");
  const equation = document.getElementById("learn-equation");
  const words = document.getElementById("learn-words");
  const figure = document.getElementById("learn-figure");
  const summary = document.getElementById("learn-summary");
  const source = document.getElementById("learn-source");
  const errorLine = document.getElementById("learn-error");

  let digit = null; // {pixels} of the drawing, or {index} of an MNIST test digit
  let label = null;
  let steps = 0; // steps taken from the served model
  let answer = null;
  let stages = [];
  let at = 0;
  let asking = 0; // bumped per request: only the latest one's answer is shown

  for (let d = 0; d < 10; d++) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "learn-label";
    b.dataset.digit = String(d);
    b.textContent = String(d);
    b.setAttribute("aria-pressed", "false");
    labels.append(b);
  }

  function setLabel(d) {
    label = d;
    for (const b of labels.children) b.setAttribute("aria-pressed", String(Number(b.dataset.digit) === d));
  }

  function startOver() {
    steps = 0;
    answer = null;
    stages = [];
    at = 0;
    summary.textContent = digit ? "Say which digit it is, then take a step." : "Draw a digit above, or pick an MNIST test digit.";
    delete summary.dataset.before;
    delete summary.dataset.after;
    section.dataset.steps = "0";
    show();
  }

  async function take(more) {
    if (!digit || (label == null && digit.pixels)) return;
    const wanted = Math.min(MAX_STEPS, steps + more);
    const body = { ...digit, learning_rate: Number(rate.value), steps: wanted };
    if (label != null) body.label = label;
    const mine = ++asking;
    section.dataset.state = "loading";
    try {
      const result = await postJSON("/api/step", body);
      if (mine !== asking) return;
      errorLine.hidden = true;
      answer = result;
      steps = wanted;
      setLabel(result.label);
      stages = buildStages(result);
      at = more === 1 ? 0 : stages.length - 1; // one step: walk through it; ten: the result
      section.dataset.steps = String(steps);
      describeRise(result);
      show();
      section.dataset.state = "done";
    } catch (err) {
      if (mine !== asking) return;
      errorLine.textContent = err.message;
      errorLine.hidden = false;
      section.dataset.state = "error";
    }
  }

  function describeRise(result) {
    const right = result.right_outputs;
    const [first, last] = [right[0], right[right.length - 1]];
    const n = `${result.steps} step${result.steps === 1 ? "" : "s"}`;
    summary.textContent = `After ${n} with η = ${result.learning_rate}, the right output (${result.label}) ${movement(first, last)}.`;
    summary.dataset.before = String(first);
    summary.dataset.after = String(last);
  }

  function show() {
    const ready = Boolean(digit) && (label != null || !digit.pixels);
    stepButton.disabled = !ready;
    tenButton.disabled = !ready || steps >= MAX_STEPS;
    resetButton.disabled = steps === 0;
    stepButton.textContent = steps ? "Take one more step" : "Take a step";
    back.disabled = at <= 0 || !stages.length;
    next.disabled = at >= stages.length - 1;
    stage.hidden = !stages.length;
    count.textContent = stages.length ? `Stage ${at + 1} of ${stages.length}` : "";
    if (!stages.length) return;
    const s = stages[at];
    stage.dataset.stage = s.key;
    stage.dataset.at = String(at);
    title.textContent = s.title;
    equation.innerHTML = stageEquation(s, answer);
    words.textContent = stageWords(s, answer);
    figure.replaceChildren(...s.draw(answer));
  }

  function go(delta) {
    if (!stages.length) return;
    at = Math.max(0, Math.min(stages.length - 1, at + delta));
    show();
  }

  labels.addEventListener("click", (e) => {
    const b = e.target.closest("[data-digit]");
    if (!b) return;
    setLabel(Number(b.dataset.digit));
    startOver();
  });
  rate.addEventListener("change", startOver);
  stepButton.addEventListener("click", () => take(1));
  tenButton.addEventListener("click", () => take(TEN_STEPS));
  resetButton.addEventListener("click", startOver);
  back.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));
  section.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea")) return;
    const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (!(e.key in moves) || !stages.length) return;
    e.preventDefault();
    go(moves[e.key]);
  });
  document.getElementById("learn-index-form").addEventListener("submit", (e) => {
    e.preventDefault();
    digit = { index: Number(indexInput.value) };
    source.textContent = `MNIST test digit #${indexInput.value}; its right digit is MNIST's label unless you pick another.`;
    setLabel(null);
    startOver();
    take(1);
  });
  startOver();

  return {
    /** The page's latest drawing (a POST /api/predict result), or null when cleared. */
    useDrawing(result) {
      asking++;
      digit = result ? { pixels: result.centred_pixels } : null;
      source.textContent = result ? `Your drawing, which the network reads as ${result.digit}.` : "";
      setLabel(result ? result.digit : null);
      startOver();
    },
  };
}

/** The stages of one step, in order: forward, cost, the four equations, the update. */
function buildStages(answer) {
  const hidden = answer.layers.slice(0, -1);
  const forward = hidden.map((layer, l) => ({ key: `forward-${l + 1}`, title: `Forward: hidden layer ${l + 1}`, layer: l, draw: (a) => [inputPicture(a.pixels), neurons(a.layers[l].a, { max: a.activation === "relu" ? null : 1, saturated: a.layers[l].saturated })] }));
  const back = hidden.map((layer, l) => ({ key: `bp2-${l + 1}`, title: `BP2: the error of hidden layer ${l + 1}`, layer: l, draw: (a) => [neurons(a.layers[l].delta, { signed: true, saturated: a.layers[l].saturated })] })).reverse();
  const L = answer.layers.length - 1;
  return [
    ...forward,
    { key: "forward-output", title: "Forward: the output layer", layer: L, draw: (a) => [...(L === 0 ? [inputPicture(a.pixels)] : []), outputBars(a.outputs, null, a.label)] },
    { key: "cost", title: "The cost for this digit", layer: L, draw: (a) => [outputBars(a.outputs, a.y, a.label)] },
    { key: "bp1", title: "BP1: the output error", layer: L, draw: (a) => [errorTable(a)] },
    ...back,
    { key: "bp3", title: "BP3: the biases' gradient", layer: 0, draw: (a) => a.layers.map((layer) => neurons(layer.nabla_b, { signed: true })) },
    { key: "bp4", title: "BP4: the weights' gradient", layer: 0, draw: (a) => [gradientPictures(a.first_layer_gradient)] },
    { key: "update", title: "The step: every weight moves downhill", layer: L, draw: (a) => [outputBars(a.outputs_after, null, a.label, a.outputs), trajectory(a.right_outputs)] },
  ];
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function picture(values, colour) {
  const canvas = el("canvas", "learn-picture");
  canvas.width = canvas.height = SIDE;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(SIDE, SIDE);
  values.forEach((v, i) => image.data.set([...colour(v ?? 0), 255], 4 * i));
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function inputPicture(pixels) {
  const box = el("figure", "learn-input");
  box.append(picture(pixels, (v) => [255 * v, 255 * v, 255 * v]), el("figcaption", "caption", "x: the 784 inputs"));
  return box;
}

/** One cell per neuron, shaded by its value (signed: blue below 0, red above). */
function neurons(values, { signed = false, max = null, saturated = null }) {
  const row = el("div", "learn-neurons");
  const scale = max ?? (Math.max(...values.map((v) => Math.abs(v ?? 0))) || 1);
  values.forEach((v, j) => {
    const cell = el("span", "learn-neuron");
    const t = (v ?? 0) / scale;
    cell.style.background = signed ? `rgb(${diverging(t).join(", ")})` : `rgba(31, 41, 51, ${Math.max(0, t).toFixed(3)})`;
    cell.dataset.value = String(v);
    if (saturated?.[j]) cell.classList.add("saturated");
    cell.title = `neuron ${j}: ${fmt(v)}${saturated?.[j] ? " (its f′(z) ≈ 0: it hardly learns)" : ""}`;
    row.append(cell);
  });
  return row;
}

/** The ten outputs as bars: the right digit's in the accent colour, ``target`` marked, and
 *  where each stood ``before`` a step. */
function outputBars(outputs, target, right, before = null) {
  const bars = el("div", "learn-bars");
  outputs.forEach((a, d) => {
    const bar = el("div", d === right ? "learn-bar right" : "learn-bar");
    bar.dataset.digit = String(d);
    bar.dataset.value = String(a);
    const track = el("span", "learn-track");
    const fill = el("span", "learn-fill");
    fill.style.height = `${(100 * Math.max(0, Math.min(1, a ?? 0))).toFixed(1)}%`;
    track.append(fill);
    if (before) track.append(marker("learn-before", before[d]));
    if (target) track.append(marker("learn-target", target[d]));
    bar.title = `output ${d}: ${fmt(a)}`;
    bar.append(el("span", "learn-value", a == null ? "∞" : a.toFixed(2)), track, el("span", "learn-digit", String(d)));
    bars.append(bar);
  });
  return bars;
}

function marker(className, value) {
  const m = el("span", className);
  m.style.bottom = `${(100 * Math.max(0, Math.min(1, value ?? 0))).toFixed(1)}%`;
  return m;
}

/** BP1 term by term for each output neuron: a − y, σ′(z) and their product δ. */
function errorTable(answer) {
  const out = answer.layers[answer.layers.length - 1];
  const table = el("table", "learn-table");
  const head = table.createTHead().insertRow();
  for (const h of ["output", "a − y", out.derivative ? "σ′(z)" : "", "δ"]) head.append(el("th", null, h));
  answer.outputs.forEach((a, j) => {
    const row = table.insertRow();
    row.dataset.digit = String(j);
    if (j === answer.label) row.classList.add("right");
    if (out.saturated[j]) row.classList.add("saturated");
    const cells = [String(j), fmt(a - answer.y[j]), out.derivative ? fmt(out.derivative[j]) : "", fmt(out.delta[j])];
    for (const c of cells) row.insertCell().textContent = c;
  });
  return table;
}

function gradientPictures(gradient) {
  const grid = el("div", "learn-gradients");
  gradient.neurons.forEach((j, i) => {
    const tile = el("figure", "learn-gradient");
    tile.dataset.neuron = String(j);
    const colour = (v) => diverging(-v / gradient.scale); // red where the step raises w
    tile.append(picture(gradient.pictures[i], colour), el("figcaption", null, String(j)));
    grid.append(tile);
  });
  return grid;
}

/** The right output after each step, as a small line of numbers. */
function trajectory(right) {
  const line = el("p", "learn-trajectory caption");
  const shown = right.length > 12 ? [...right.slice(0, 6), null, ...right.slice(-5)] : right;
  line.textContent = `The right output, step by step: ${shown.map((v) => (v === null ? "…" : fmt(v))).join(" → ")}`;
  return line;
}
