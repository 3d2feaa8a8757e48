// The perceptron playground: logic gates (POST /api/gates), the NAND half adder
// (POST /api/half-adder), and a perceptron beside a sigmoid neuron (computed here).

import { postJSON } from "./api.js";
import { fitCanvas } from "./chart.js";

const GATES = [
  { name: "AND", inputs: 2 },
  { name: "OR", inputs: 2 },
  { name: "NAND", inputs: 2 },
  { name: "NOT", inputs: 1 },
];
const ON = "#0f766e";
const OFF = "#c3c7cd";

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2)).replace("-", "−");

/** "−2·1 − 2·0 + 3": the terms of w · x + b with their signs written as a person would. */
function weightedSum(weights, bits, bias) {
  const terms = [...weights.map((w, i) => [w, `·${bits[i]}`]), [bias, ""]];
  return terms
    .map(([v, rest], i) => {
      const sign = v < 0 ? "−" : "+";
      const body = `${fmt(Math.abs(v))}${rest}`;
      return i === 0 ? `${v < 0 ? "−" : ""}${body}` : ` ${sign} ${body}`;
    })
    .join("");
}

function gateCard(gate) {
  const card = document.createElement("div");
  card.className = "gate";
  card.id = `gate-${gate.name}`;
  card.dataset.testid = `gate-${gate.name}`;
  const toggles = Array.from({ length: gate.inputs }, (_, i) => {
    const name = gate.inputs === 1 ? "x" : `x${i + 1}`;
    return `<button type="button" class="bit" data-input="${i}" data-value="0" aria-pressed="false"
      id="gate-${gate.name}-x${i + 1}" data-testid="gate-${gate.name}-x${i + 1}">${name} = 0</button>`;
  }).join("");
  card.innerHTML = `
    <h3>${gate.name}</h3>
    <div class="gate-io">
      <div class="gate-inputs">${toggles}</div>
      <span class="gate-arrow" aria-hidden="true">→</span>
      <output class="lamp" id="gate-${gate.name}-output" data-testid="gate-${gate.name}-output" data-value="">?</output>
    </div>
    <p class="gate-maths" id="gate-${gate.name}-maths"></p>`;
  return card;
}

async function updateGate(gate, card) {
  const bits = [...card.querySelectorAll(".bit")].map((b) => Number(b.dataset.value));
  const seq = (card.seq = (card.seq ?? 0) + 1);
  const r = await postJSON("/api/gates", { gate: gate.name, inputs: bits });
  if (seq !== card.seq) return; // a later click's answer wins
  const lamp = card.querySelector(".lamp");
  lamp.textContent = String(r.output);
  lamp.dataset.value = String(r.output);
  lamp.classList.toggle("on", r.output === 1);
  card.querySelector(".gate-maths").innerHTML =
    `w = (${r.weights.map(fmt).join(", ")}), b = ${fmt(r.bias)}<br>` +
    `z = ${weightedSum(r.weights, bits, r.bias)} = ${fmt(r.z)} ` +
    (r.z > 0 ? "&gt; 0 → 1" : "≤ 0 → 0");
}

function setBit(button, value) {
  button.dataset.value = String(value);
  button.setAttribute("aria-pressed", String(value === 1));
  button.textContent = button.textContent.replace(/= [01]$/, `= ${value}`);
}

// --- the half adder -------------------------------------------------------------------

// The book's circuit: where each NAND sits in the drawing, which signals feed it, and at
// which x each incoming wire turns (wires run horizontally, then vertically, then in).
const GATE_W = 64;
const GATE_H = 44;
const PORT = 10; // a two-input gate's inputs enter this far above and below its middle
const SIGNALS = {
  x1: { x: 40, y: 40, input: true },
  x2: { x: 40, y: 230, input: true },
  n1: { x: 170, y: 135, from: [["x1", 110], ["x2", 110]] },
  n2: { x: 310, y: 50, from: [["x1", 110], ["n1", 240]] },
  n3: { x: 310, y: 220, from: [["n1", 240], ["x2", 110]] },
  sum: { x: 450, y: 135, from: [["n2", 380], ["n3", 380]] },
  carry: { x: 450, y: 290, from: [["n1", 240]], note: "w = −4" }, // NAND(n1, n1) = NOT n1
};
const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
}

function outPort(name) {
  const s = SIGNALS[name];
  return [s.x + (s.input ? 20 : GATE_W / 2), s.y];
}

function drawAdder(root, values) {
  root.replaceChildren();
  const colour = (name) => (values[name] ? ON : OFF);
  const wires = [];
  for (const s of Object.values(SIGNALS)) {
    (s.from ?? []).forEach(([src, turn], k) => {
      const [x0, y0] = outPort(src);
      const y1 = s.from.length === 1 ? s.y : s.y + (k === 0 ? -PORT : PORT);
      wires.push({ src, points: `${x0},${y0} ${turn},${y0} ${turn},${y1} ${s.x - GATE_W / 2},${y1}` });
    });
  }
  // wires carrying 1 last, so that they lie on top where wires cross
  wires.sort((a, b) => values[a.src] - values[b.src]);
  for (const w of wires) {
    root.append(svg("polyline", { points: w.points, class: "wire", stroke: colour(w.src), "data-signal": w.src }));
  }
  for (const name of ["sum", "carry"]) {
    const [x0, y0] = outPort(name);
    root.append(svg("line", { x1: x0, y1: y0, x2: x0 + 34, y2: y0, class: "wire", stroke: colour(name) }));
    root.append(svg("text", { x: x0 + 40, y: y0 + 5, class: "out-label", "text-anchor": "start" }, `${name} = ${values[name]}`));
  }
  for (const [name, s] of Object.entries(SIGNALS)) {
    const g = svg("g", { class: "node", "data-name": name, "data-value": String(values[name]) });
    if (s.input) {
      g.append(svg("circle", { cx: s.x, cy: s.y, r: 18, fill: values[name] ? ON : "#fff", stroke: ON, "stroke-width": 2 }));
      g.append(svg("text", { x: s.x, y: s.y + 5, class: values[name] ? "label on" : "label" }, String(values[name])));
      g.append(svg("text", { x: s.x, y: s.y - 26, class: "sublabel" }, name));
    } else {
      g.append(svg("rect", { x: s.x - GATE_W / 2, y: s.y - GATE_H / 2, width: GATE_W, height: GATE_H, rx: 8, class: "gate-box" }));
      g.append(svg("text", { x: s.x, y: s.y - 2, class: "label" }, "NAND"));
      g.append(svg("text", { x: s.x, y: s.y + 13, class: "sublabel" }, name));
      if (s.note) g.append(svg("text", { x: s.x - GATE_W / 2 - 40, y: s.y - 6, class: "sublabel" }, s.note));
    }
    root.append(g);
  }
}

let adderSeq = 0;

async function updateAdder() {
  const x1 = Number(document.getElementById("adder-x1").dataset.value);
  const x2 = Number(document.getElementById("adder-x2").dataset.value);
  const seq = ++adderSeq;
  const r = await postJSON("/api/half-adder", { x1, x2 });
  if (seq !== adderSeq) return;
  const values = { x1, x2 };
  r.gates.forEach((gate, i) => {
    const name = gate.name in SIGNALS ? gate.name : Object.keys(SIGNALS)[2 + i];
    values[name] = gate.output;
  });
  values.sum = r.sum;
  values.carry = r.carry;
  drawAdder(document.getElementById("half-adder"), values);
  const result = document.getElementById("adder-result");
  result.textContent = `${x1} + ${x2} = ${r.carry}${r.sum} in binary (carry ${r.carry}, sum ${r.sum})`;
  result.dataset.sum = String(r.sum);
  result.dataset.carry = String(r.carry);
}

// --- a perceptron beside a sigmoid neuron -----------------------------------------------

const X = 1; // the fixed input
const B = -2; // the fixed bias
const W_RANGE = [-1, 5];
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const step = (z) => (z > 0 ? 1 : 0);

function drawNeurons(canvas, w) {
  const { ctx, width, height } = fitCanvas(canvas);
  const pad = { left: 40, right: 16, top: 16, bottom: 44 };
  const pw = width - pad.left - pad.right;
  const ph = height - pad.top - pad.bottom;
  const px = (v) => pad.left + ((v - W_RANGE[0]) / (W_RANGE[1] - W_RANGE[0])) * pw;
  const py = (a) => pad.top + (1 - a) * ph;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#4a4f57";
  ctx.strokeStyle = "#e6e7ea";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const a of [0, 0.5, 1]) {
    ctx.beginPath();
    ctx.moveTo(pad.left, py(a));
    ctx.lineTo(width - pad.right, py(a));
    ctx.stroke();
    ctx.fillText(String(a), pad.left - 6, py(a));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let v = W_RANGE[0]; v <= W_RANGE[1]; v++) ctx.fillText(String(v).replace("-", "−"), px(v), height - pad.bottom + 6);
  ctx.fillText("weight w", pad.left + pw / 2, height - 18);

  const curve = (f, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(dash);
    ctx.beginPath();
    for (let i = 0; i <= 300; i++) {
      const v = W_RANGE[0] + ((W_RANGE[1] - W_RANGE[0]) * i) / 300;
      const a = f(v * X + B);
      if (i) ctx.lineTo(px(v), py(a));
      else ctx.moveTo(px(v), py(a));
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(px(w), py(f(w * X + B)), 6, 0, 2 * Math.PI);
    ctx.fill();
  };
  curve(step, "#6b7280", [6, 4]);
  curve(sigmoid, ON, []);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.fillStyle = ON;
  ctx.fillText("sigmoid σ(wx + b)", width - pad.right - 4, py(0.3));
  ctx.fillStyle = "#6b7280";
  ctx.fillText("perceptron step(wx + b)", width - pad.right - 4, py(0.16));
}

function initNeurons() {
  const slider = document.getElementById("weight-slider");
  const canvas = document.getElementById("neuron-chart");
  const update = () => {
    const w = Number(slider.value);
    const dw = Number(slider.step);
    const z = w * X + B;
    document.getElementById("weight-value").textContent = w.toFixed(2);
    document.getElementById("perceptron-out").textContent = String(step(z));
    document.getElementById("sigmoid-out").textContent = sigmoid(z).toFixed(3);
    const ds = Math.abs(sigmoid(z + dw * X) - sigmoid(z));
    const dp = Math.abs(step(z + dw * X) - step(z));
    document.getElementById("neuron-caption").textContent =
      `One step of the slider (Δw = ${dw}) changes the sigmoid's output by ${ds.toFixed(3)}, ` +
      `the perceptron's by ${dp}. ` +
      (dp ? "Here the perceptron flips completely." : "The perceptron flips from 0 to 1 all at once at w = 2.") +
      " Small, smooth changes are what let a network learn by small steps.";
    drawNeurons(canvas, w);
  };
  slider.addEventListener("input", update);
  window.addEventListener("resize", update);
  update();
}

export function initPerceptrons({ onError }) {
  const container = document.getElementById("gates");
  for (const gate of GATES) {
    const card = gateCard(gate);
    container.append(card);
    card.addEventListener("click", (e) => {
      const bit = e.target.closest(".bit");
      if (!bit) return;
      setBit(bit, 1 - Number(bit.dataset.value));
      updateGate(gate, card).catch(onError);
    });
    updateGate(gate, card).catch(onError);
  }
  for (const id of ["adder-x1", "adder-x2"]) {
    document.getElementById(id).addEventListener("click", (e) => {
      setBit(e.currentTarget, 1 - Number(e.currentTarget.dataset.value));
      updateAdder().catch(onError);
    });
  }
  updateAdder().catch(onError);
  initNeurons();
}
