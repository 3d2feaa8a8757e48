// Why this answer (saliency), the smallest change that flips it and the model's robustness
// curve, for the digit drawn above or an MNIST test digit (POST /api/explain/saliency and
// /flip, GET /api/explain/robustness); the teach and map views are wired to the same digit.

import { getJSON, postJSON } from "./api.js";
import { fitCanvas } from "./chart.js";
import { clearPicture, drawDigit, drawSigned } from "./digit-pictures.js";
import { initHiddenMap } from "./hiddenmap.js";
import { initTeach } from "./teach.js";

const REFRESH_DELAY_MS = 120; // after the last change of the digit: drawing sends many

export function initExplain({ onModelSaved }) {
  const sourceCanvas = document.getElementById("explain-digit");
  const sourceText = document.getElementById("explain-source");
  const pick = document.getElementById("explain-pick");
  const indexInput = document.getElementById("explain-index");
  const saliencyBox = document.getElementById("saliency");
  const saliencyText = document.getElementById("saliency-text");
  const flipBox = document.getElementById("flip-pictures");
  const flipText = document.getElementById("flip-text");
  const errorLine = document.getElementById("explain-error");
  const view = (name) => document.querySelector(`canvas[data-view="${name}"]`);

  let digit = null; // {pixels, source, label}: what the views explain
  let version = 0; // bumped at each new digit; only the latest answers are shown
  let timer = null;
  let servedSource; // the model the views were computed for (undefined until known)
  let dense = true; // saliency and the flip exist for fully-connected networks only

  const teach = initTeach({ current: () => digit, onModelSaved });
  const map = initHiddenMap({ current: () => digit, onPick: (picked) => setDigit(picked) });

  function setDigit(next) {
    digit = next;
    version += 1;
    drawDigit(sourceCanvas, digit.pixels);
    sourceText.textContent = digit.source;
    saliencyBox.dataset.state = flipBox.dataset.state = "loading"; // until this digit's answers
    clearTimeout(timer);
    timer = setTimeout(() => refresh(version), REFRESH_DELAY_MS);
  }

  function clear() {
    digit = null;
    version += 1;
    clearTimeout(timer);
    clearPicture(sourceCanvas);
    sourceText.textContent = "Draw a digit above, or pick an MNIST test digit:";
    for (const canvas of document.querySelectorAll("#saliency canvas, #flip-pictures canvas")) clearPicture(canvas);
    saliencyBox.dataset.state = flipBox.dataset.state = "empty";
    saliencyText.textContent = flipText.textContent = "";
    errorLine.hidden = true;
    map.place();
  }

  async function refresh(asked) {
    const body = { pixels: digit.pixels };
    if (!dense) {
      map.place(); // the map and teaching work for any network
      return;
    }
    try {
      const [why, flip] = await Promise.all([
        postJSON("/api/explain/saliency", body),
        postJSON("/api/explain/flip", body),
      ]);
      if (asked !== version) return;
      showSaliency(why);
      showFlip(flip);
      errorLine.hidden = true;
      map.place();
    } catch (err) {
      if (asked !== version) return;
      saliencyBox.dataset.state = flipBox.dataset.state = "error";
      errorLine.textContent = err.message;
      errorLine.hidden = false;
    }
  }

  function showSaliency(why) {
    for (const [name, part] of [["answer", why.answer], ["runner-up", why.runner_up_view]]) {
      drawSigned(view(`${name}-gradient`), part.gradient); // sent divided by its largest size
      drawSigned(view(`${name}-times-input`), part.gradient_times_input);
      for (const kind of ["gradient", "times-input"]) {
        const caption = document.querySelector(`[data-caption="${name}-${kind}"]`);
        const maths = kind === "gradient" ? `∂a${sub(part.digit)}/∂x` : `x · ∂a${sub(part.digit)}/∂x`;
        caption.textContent = `${maths}: ${name === "answer" ? "the answer" : "the runner-up"}, ${part.digit}`;
      }
    }
    saliencyBox.dataset.state = "done";
    saliencyBox.dataset.digit = String(why.digit);
    saliencyText.textContent =
      `The answer is ${why.digit} (output ${why.answer.activation.toFixed(2)}), the runner-up ` +
      `${why.runner_up} (${why.runner_up_view.activation.toFixed(2)}). Each picture is scaled to ` +
      `its largest value: ${why.answer.gradient_max_abs.toPrecision(2)} and ` +
      `${why.runner_up_view.gradient_max_abs.toPrecision(2)} per unit of ink.`;
  }

  function showFlip(flip) {
    drawDigit(view("flip-original"), digit.pixels);
    drawDigit(view("flip-changed"), flip.changed);
    drawSigned(view("flip-change"), flip.change);
    flipBox.dataset.state = "done";
    flipBox.dataset.digit = String(flip.digit);
    flipBox.dataset.newDigit = String(flip.new_digit);
    flipText.textContent = flip.flipped
      ? `A change of length ${flip.l2.toFixed(2)} (no pixel more than ${flip.linf.toFixed(2)}), ` +
        `found in ${flip.steps} steps, turns the ${flip.digit} into a ${flip.new_digit} ` +
        `(output ${flip.outputs_after[flip.new_digit].toFixed(2)}).`
      : `No change found in ${flip.steps} steps turns this ${flip.digit} into another digit.`;
  }

  pick.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const found = await getJSON(`/api/explain/digit/${encodeURIComponent(indexInput.value)}`);
      setDigit({ pixels: found.pixels, source: `MNIST test digit #${found.index}, a ${found.label}`, label: found.label });
    } catch (err) {
      errorLine.textContent = err.message;
      errorLine.hidden = false;
    }
  });

  const robustness = initRobustness();
  clear();

  return {
    /** The digit just drawn: /api/predict's answer. */
    showPrediction(result) {
      setDigit({ pixels: result.centred_pixels, source: "The digit you drew, as the network saw it", label: null });
    },
    clear,
    /** The model served is `source` (null: none): if it is another, the old results are stale.
     * `dense`: whether it is fully-connected (else saliency and the flip are not asked for). */
    modelChanged(source, { dense: isDense = true } = {}) {
      if (source === servedSource) return;
      servedSource = source;
      dense = isDense;
      map.reset();
      teach.reset();
      robustness.reset();
      if (digit) setDigit(digit);
    },
  };
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";
const sub = (d) => SUBSCRIPTS[d];

/** The robustness curve: measured when asked, drawn on its own axes (size, accuracy). */
function initRobustness() {
  const button = document.getElementById("robustness-run");
  const text = document.getElementById("robustness-text");
  const canvas = document.getElementById("robustness-chart");
  let curve = null;
  button.addEventListener("click", async () => {
    button.disabled = true;
    text.textContent = "Searching 1,000 digits…";
    try {
      curve = await getJSON("/api/explain/robustness");
      const mid = curve.median_flip_l2;
      text.textContent =
        `${curve.accuracy[0].toFixed(1)}% read right unchanged; half of them flip with a change ` +
        `of length ${mid == null ? "–" : mid.toFixed(2)} or less (measured in ${curve.seconds.toFixed(1)} s).`;
    } catch (err) {
      text.textContent = err.message;
    } finally {
      button.disabled = false;
      draw();
    }
  });
  window.addEventListener("resize", draw);
  draw();
  return {
    reset() {
      curve = null;
      text.textContent = "";
      draw();
    },
  };

  function draw() {
    const { ctx, width, height } = fitCanvas(canvas);
    const pad = { left: 44, right: 12, top: 10, bottom: 34 };
    ctx.clearRect(0, 0, width, height);
    ctx.font = "12px system-ui, sans-serif";
    canvas.dataset.points = String(curve ? curve.sizes.length : 0);
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const xMax = curve ? curve.sizes[curve.sizes.length - 1] : 4;
    const x = (s) => pad.left + (s / xMax) * w;
    const y = (a) => pad.top + (1 - a / 100) * h;
    ctx.fillStyle = "#4a4f57";
    ctx.strokeStyle = "#e6e7ea";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const a of [0, 25, 50, 75, 100]) {
      ctx.beginPath();
      ctx.moveTo(pad.left, Math.round(y(a)) + 0.5);
      ctx.lineTo(width - pad.right, Math.round(y(a)) + 0.5);
      ctx.stroke();
      ctx.fillText(`${a}%`, pad.left - 6, y(a));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let s = 0; s <= xMax + 1e-9; s += 1) ctx.fillText(String(s), x(s), pad.top + h + 6);
    ctx.fillText("size of the change, ‖Δx‖₂", pad.left + w / 2, pad.top + h + 20);
    if (!curve) return;
    ctx.strokeStyle = ctx.fillStyle = "#0f766e";
    ctx.lineWidth = 2;
    ctx.beginPath();
    curve.sizes.forEach((s, i) => (i ? ctx.lineTo(x(s), y(curve.accuracy[i])) : ctx.moveTo(x(s), y(curve.accuracy[i]))));
    ctx.stroke();
    curve.sizes.forEach((s, i) => {
      ctx.beginPath();
      ctx.arc(x(s), y(curve.accuracy[i]), 3, 0, 2 * Math.PI);
      ctx.fill();
    });
  }
}
