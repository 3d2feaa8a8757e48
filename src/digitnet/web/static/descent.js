// Gradient descent on a two-variable cost, all computed here:
//   C(v1, v2) = v1^2 + 10 v2^2,   grad C = (2 v1, 20 v2),   v -> v - eta * grad C.
// Along v2 a step multiplies v2 by (1 - 20 eta): it overshoots (zig-zags) for eta > 0.05 and
// diverges for eta > 0.1. Along v1 it multiplies v1 by (1 - 2 eta): tiny eta crawls.

import { fitCanvas } from "./chart.js";

const STEEPNESS = 10; // C = v1^2 + STEEPNESS * v2^2: a valley ten times steeper across than along
const V1 = [-3.2, 3.2];
const V2 = [-2, 2];
const START = [-2.8, 1.5];
const ETA_LOG_RANGE = [Math.log10(0.002), Math.log10(0.15)]; // the slider is logarithmic
const STEP_MS = 120;
const MAX_STEPS = 400;
const CONVERGED = 1e-3; // cost at which we call it the bottom
const ESCAPED = 1e3; // cost at which we call it diverged
const CONTOURS = [0.1, 0.3, 1, 2, 4, 8, 16, 32];

const cost = ([v1, v2]) => v1 * v1 + STEEPNESS * v2 * v2;
const gradient = ([v1, v2]) => [2 * v1, 2 * STEEPNESS * v2];

function describeRate(eta) {
  const edge = 1 / STEEPNESS; // 0.1: where the steep direction stops shrinking
  if (eta > edge * 1.02) return "Too large: every step overshoots the narrow valley by more than the last, so v2 swings ever wider and gradient descent diverges.";
  if (eta >= edge * 0.98) return "On the edge (η ≈ 0.1): across the valley each step lands exactly opposite, bouncing forever.";
  if (eta > edge / 2) return "Large: it zig-zags across the steep direction, but the swings shrink and it gets there.";
  if (eta >= 0.01) return "About right: a quick slide down the steep wall, then along the valley floor.";
  return "Too small: each step is tiny, so it crawls and needs hundreds of steps.";
}

export function initDescent() {
  const canvas = document.getElementById("gd-canvas");
  const slider = document.getElementById("gd-rate");
  const rateOut = document.getElementById("gd-rate-value");
  const status = document.getElementById("gd-status");
  const startButton = document.getElementById("gd-start");
  let start = [...START];
  let path = [start];
  let timer = null;
  let finished = false; // reached the bottom, diverged or gave up: Start begins again
  let heat = null; // the cost surface, painted once per canvas size

  const eta = () => {
    const t = Number(slider.value);
    const value = 10 ** (ETA_LOG_RANGE[0] + t * (ETA_LOG_RANGE[1] - ETA_LOG_RANGE[0]));
    return Number(value.toPrecision(2));
  };

  function geometry() {
    const { ctx, width, height } = fitCanvas(canvas);
    const px = (v1) => ((v1 - V1[0]) / (V1[1] - V1[0])) * width;
    const py = (v2) => ((V2[1] - v2) / (V2[1] - V2[0])) * height;
    return { ctx, width, height, px, py };
  }

  function paintHeat(width, height) {
    const ratio = canvas.width / width;
    const w = canvas.width;
    const h = canvas.height;
    const image = new ImageData(w, h);
    const top = Math.log(cost([V1[1], V2[1]]));
    for (let j = 0; j < h; j++) {
      const v2 = V2[1] - ((j / ratio) / height) * (V2[1] - V2[0]);
      for (let i = 0; i < w; i++) {
        const v1 = V1[0] + ((i / ratio) / width) * (V1[1] - V1[0]);
        const t = Math.max(0, Math.min(1, Math.log(cost([v1, v2]) + 0.05) / top)); // 0 low .. 1 high
        const k = 4 * (j * w + i);
        image.data[k] = 244 - 60 * t;
        image.data[k + 1] = 249 - 50 * t;
        image.data[k + 2] = 247 - 25 * t;
        image.data[k + 3] = 255;
      }
    }
    return image;
  }

  function draw() {
    const { ctx, width, height, px, py } = geometry();
    if (!heat || heat.width !== canvas.width || heat.height !== canvas.height) heat = paintHeat(width, height);
    ctx.putImageData(heat, 0, 0);
    // contour lines: C = c is the ellipse v1 = sqrt(c) cos t, v2 = sqrt(c / STEEPNESS) sin t
    ctx.strokeStyle = "rgba(60, 80, 100, 0.35)";
    ctx.lineWidth = 1;
    for (const c of CONTOURS) {
      ctx.beginPath();
      ctx.ellipse(px(0), py(0), px(Math.sqrt(c)) - px(0), py(0) - py(Math.sqrt(c / STEEPNESS)), 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.fillStyle = "rgba(40, 50, 60, 0.7)";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText("v1 →", width - 40, py(0) - 6);
    ctx.fillText("↑ v2", px(0) + 6, 14);
    ctx.fillText("minimum", px(0) + 6, py(0) + 16);
    // the path taken
    ctx.strokeStyle = "#b45309";
    ctx.fillStyle = "#b45309";
    ctx.lineWidth = 2;
    ctx.beginPath();
    path.forEach(([a, b], i) => (i ? ctx.lineTo(px(a), py(b)) : ctx.moveTo(px(a), py(b))));
    ctx.stroke();
    for (const [a, b] of path) {
      ctx.beginPath();
      ctx.arc(px(a), py(b), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    const [a, b] = path[path.length - 1];
    ctx.beginPath();
    ctx.arc(px(a), py(b), 7, 0, 2 * Math.PI);
    ctx.fillStyle = "#1f2937";
    ctx.fill();
    canvas.dataset.steps = String(path.length - 1);
  }

  function say(text) {
    status.textContent = text;
  }

  function stop(done = false) {
    finished = done;
    clearInterval(timer);
    timer = null;
    startButton.textContent = "Start";
  }

  function tick() {
    const v = path[path.length - 1];
    const g = gradient(v);
    const rate = eta();
    const next = [v[0] - rate * g[0], v[1] - rate * g[1]];
    path.push(next);
    const c = cost(next);
    const n = path.length - 1;
    if (!Number.isFinite(c) || c > ESCAPED) {
      stop(true);
      say(`Diverged after ${n} steps: the learning rate η = ${rate} is too large for this valley.`);
    } else if (c < CONVERGED) {
      stop(true);
      say(`Reached the bottom (C < ${CONVERGED}) in ${n} steps with η = ${rate}.`);
    } else if (n >= MAX_STEPS) {
      stop(true);
      say(`Still crawling after ${n} steps (C = ${c.toFixed(3)}): η = ${rate} is too small.`);
    } else {
      say(`Step ${n}: C = ${c.toFixed(3)}`);
    }
    draw();
  }

  function reset() {
    stop();
    path = [start];
    say(describeRate(eta()));
    draw();
  }

  startButton.addEventListener("click", () => {
    if (timer) return stop();
    if (finished) path = [start];
    startButton.textContent = "Pause";
    timer = setInterval(tick, STEP_MS);
  });
  document.getElementById("gd-reset").addEventListener("click", reset);
  slider.addEventListener("input", () => {
    rateOut.textContent = eta().toFixed(3);
    if (!timer) say(describeRate(eta()));
  });
  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    start = [
      V1[0] + ((e.clientX - r.left) / r.width) * (V1[1] - V1[0]),
      V2[1] - ((e.clientY - r.top) / r.height) * (V2[1] - V2[0]),
    ];
    reset();
  });
  window.addEventListener("resize", draw);
  rateOut.textContent = eta().toFixed(3);
  reset();
}
