// Drawing a digit (or uploading one) and showing what the network makes of it.
//
// While you draw, the canvas is sent to POST /api/predict as a PNG at most every
// PREDICT_INTERVAL_MS, with at most one request in flight; the latest drawing always wins,
// and one more request follows the end of each stroke. A drawing is sent as one
// (input=canvas), and while neither the preprocessing panels nor the hidden layer are on
// screen the answer is lean (view=lean: the digit, the outputs and the 28 x 28 preview
// only); when they come into view, the current input is asked for again in full.

import { ApiError, postImage } from "./api.js";

const CSS_SIDE = 280; // the canvas's size on screen, in CSS pixels
const STROKE_WIDTH = 18; // CSS pixels: about 2 MNIST pixels once scaled to 20 x 20
const PREDICT_INTERVAL_MS = 80;
const MIN_INK_EXTENT = 3 * STROKE_WIDTH; // smaller ink is "blank" to the server: wait for more
const N_DIGITS = 10;
// The preprocessing panels: one <img data-step="NAME"> per stage the server sends.
const stepImages = () => document.querySelectorAll("img[data-step]");
// The sections that show what only the full answer holds: the panels, the hidden layer, a
// convolutional network's feature maps, and the views that work on the drawn digit's
// centred pixels (the step of learning, why this answer, the flip, teaching).
const FULL_ANSWER_SECTIONS = ["steps", "inside", "conv", "learn", "why", "flip", "teach"];
const LEAN_QUERY = "view=lean&pictures=centred";
// what each preprocessing panel shows until a digit is drawn, as index.html starts them
const STEP_PLACEHOLDER = "/static/step-placeholder.svg";

export function initDraw({ onResult, onCleared }) {
  const canvas = document.getElementById("canvas");
  const dropZone = document.getElementById("drop-zone");
  const upload = document.getElementById("upload");
  const prediction = document.getElementById("prediction");
  const predictionText = document.getElementById("prediction-text");
  const errorLine = document.getElementById("predict-error");
  const preview = document.getElementById("preview");
  const barsBox = document.getElementById("bars");
  const bars = buildBars(barsBox);

  const scale = Math.min(2, Math.max(1, Math.round(window.devicePixelRatio || 1)));
  canvas.width = canvas.height = CSS_SIDE * scale;
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);

  // What to classify: the canvas, or the bytes of an uploaded file until you draw over it.
  let version = 0; // bumped whenever the input changes
  let shownVersion = 0;
  let hasInput = false;
  let uploadedFile = null;
  let enabled = true;
  let ink = null; // the drawn ink's bounding box [left, top, right, bottom], CSS pixels

  // Whether a section that needs the full answer is on screen, and whether the answer shown
  // is lean (so that one coming into view asks again).
  const onScreen = new Set();
  let shownLean = false;
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) onScreen.add(entry.target.id);
      else onScreen.delete(entry.target.id);
    }
    if (onScreen.size && shownLean && hasInput) {
      version += 1;
      requestPrediction();
    }
  });
  for (const id of FULL_ANSWER_SECTIONS) {
    const section = document.getElementById(id);
    if (section) observer.observe(section);
  }

  function predictUrl() {
    if (uploadedFile) return "/api/predict";
    return `/api/predict?input=canvas${onScreen.size ? "" : `&${LEAN_QUERY}`}`;
  }

  // The request scheduler: one in flight, the latest input wins.
  let inFlight = false;
  let wanted = false;
  let lastSent = -Infinity;
  let timer = null;

  function setSettled() {
    const settled = !inFlight && !wanted && shownVersion === version;
    prediction.dataset.settled = String(settled);
    prediction.dataset.version = String(shownVersion);
    canvas.dataset.version = String(version);
  }

  function requestPrediction() {
    wanted = true;
    setSettled();
    pump();
  }

  function pump() {
    if (!wanted || inFlight || !enabled || !hasInput) return;
    const wait = lastSent + PREDICT_INTERVAL_MS - performance.now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = null;
        pump();
      }, wait);
      return;
    }
    wanted = false;
    inFlight = true;
    lastSent = performance.now();
    const sentVersion = version;
    const url = predictUrl();
    inputBlob()
      .then((blob) => postImage(url, blob))
      .then((result) => {
        if (sentVersion > shownVersion) show(result, sentVersion);
      })
      .catch((err) => {
        if (sentVersion > shownVersion) showError(err, sentVersion);
      })
      .finally(() => {
        inFlight = false;
        setSettled();
        pump();
      });
  }

  function inputBlob() {
    if (uploadedFile) return Promise.resolve(uploadedFile);
    return new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas could not be encoded"))), "image/png"),
    );
  }

  function show(result, sentVersion) {
    shownVersion = sentVersion;
    errorLine.hidden = true;
    const { digit, activation, activation_label: label, unsure, unsure_reason: reason, outputs } = result;
    // as Decision.shown(): two decimals, never a rounded-up 1.00 for what is not 1
    const value = `${label} ${activation >= 0.995 && activation < 1 ? "> 0.99" : activation.toFixed(2)}`;
    prediction.dataset.digit = String(digit);
    prediction.dataset.state = unsure ? "unsure" : "done";
    prediction.classList.toggle("unsure", Boolean(unsure));
    prediction.textContent = unsure ? "?" : String(digit);
    predictionText.textContent = unsure
      ? `Not sure — ${reason || "no output stands out"}. Best guess: ${digit} (${value}).`
      : `It's ${digit === 8 ? "an" : "a"} ${digit}: ${value}.`;
    drawBars(bars, outputs, digit);
    barsBox.classList.toggle("unsure", Boolean(unsure));
    preview.src = result.steps.centred;
    shownLean = !("hidden" in result);
    if (!shownLean) for (const img of stepImages()) img.src = result.steps[img.dataset.step];
    onResult(result);
  }

  function showError(err, sentVersion) {
    shownVersion = sentVersion;
    const noModel = err instanceof ApiError && err.status === 409;
    prediction.dataset.state = noModel ? "no-model" : "error";
    prediction.dataset.digit = "";
    prediction.textContent = "–";
    predictionText.textContent = noModel
      ? "There is no trained network yet: train one below."
      : "The network could not read this input.";
    errorLine.textContent = err.message;
    errorLine.hidden = false;
  }

  function reset() {
    version += 1;
    shownVersion = version;
    hasInput = false;
    uploadedFile = null;
    ink = null;
    wanted = false;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, CSS_SIDE, CSS_SIDE);
    prediction.dataset.digit = "";
    prediction.dataset.state = "empty";
    prediction.classList.remove("unsure");
    prediction.textContent = "–";
    predictionText.textContent = enabled
      ? "Draw a digit to see what the network thinks it is."
      : "There is no trained network yet: train one below.";
    errorLine.hidden = true;
    drawBars(bars, null, null);
    barsBox.classList.remove("unsure");
    preview.removeAttribute("src");
    for (const img of stepImages()) img.src = STEP_PLACEHOLDER;
    dropZone.classList.remove("has-input");
    setSettled();
    onCleared();
  }

  function changed({ ask = true } = {}) {
    version += 1;
    hasInput = true;
    dropZone.classList.add("has-input");
    if (ask) requestPrediction();
    else setSettled();
  }

  // Drawing with mouse, pen or finger: Pointer Events, captured so a stroke may leave the box.
  let last = null;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    const p = [((e.clientX - r.left) * CSS_SIDE) / r.width, ((e.clientY - r.top) * CSS_SIDE) / r.height];
    ink = ink ? [Math.min(ink[0], p[0]), Math.min(ink[1], p[1]), Math.max(ink[2], p[0]), Math.max(ink[3], p[1])] : [...p, ...p];
    return p;
  };
  const bigEnough = () => !ink || uploadedFile || Math.max(ink[2] - ink[0], ink[3] - ink[1]) + STROKE_WIDTH >= MIN_INK_EXTENT;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    uploadedFile = null; // drawing over an upload classifies the canvas from now on
    last = point(e);
    ctx.fillStyle = "#000";
    ctx.beginPath();
    ctx.arc(last[0], last[1], STROKE_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
    changed({ ask: false }); // a lone dot is not a digit yet: ask once the pen moves or lifts
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    ctx.strokeStyle = "#000";
    ctx.lineWidth = STROKE_WIDTH;
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    for (const ev of events.length ? events : [e]) {
      last = point(ev);
      ctx.lineTo(last[0], last[1]);
    }
    ctx.stroke();
    changed({ ask: bigEnough() });
  });
  const endStroke = () => {
    if (!last) return;
    last = null;
    requestPrediction();
  };
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);
  canvas.addEventListener("lostpointercapture", endStroke);

  document.getElementById("clear").addEventListener("click", reset);

  // Uploads: the file's own bytes go to the server; the canvas shows the picture.
  async function useFile(file) {
    if (!file) return;
    reset();
    uploadedFile = file;
    try {
      const bitmap = await createImageBitmap(file);
      const k = Math.min(CSS_SIDE / bitmap.width, CSS_SIDE / bitmap.height);
      const w = bitmap.width * k;
      const h = bitmap.height * k;
      ctx.drawImage(bitmap, (CSS_SIDE - w) / 2, (CSS_SIDE - h) / 2, w, h);
      bitmap.close();
    } catch {
      // the browser cannot show this file; the server may still read it (or say why not)
    }
    changed();
  }
  upload.addEventListener("change", () => {
    useFile(upload.files[0]);
    upload.value = "";
  });
  dropZone.addEventListener("dragover", (e) => {
    e.preventDefault();
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
  dropZone.addEventListener("drop", (e) => {
    e.preventDefault();
    dropZone.classList.remove("dragging");
    useFile(e.dataTransfer.files[0]);
  });

  reset();

  return {
    /** Turn predictions on or off (off while there is no model). */
    setEnabled(on) {
      enabled = on;
      if (!hasInput) reset();
      else if (on) requestPrediction();
    },
    /** Ask again for the current input, e.g. after a new model was trained. */
    refresh() {
      if (hasInput) {
        version += 1;
        requestPrediction();
      }
    },
  };
}

function buildBars(container) {
  const bars = [];
  for (let d = 0; d < N_DIGITS; d++) {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.dataset.digit = String(d);
    bar.innerHTML = `<span class="bar-value"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-label">${d}</span>`;
    container.append(bar);
    bars.push(bar);
  }
  return bars;
}

function drawBars(bars, outputs, winner) {
  bars.forEach((bar, d) => {
    const a = outputs ? outputs[d] : 0;
    bar.dataset.value = a.toFixed(4);
    bar.classList.toggle("winner", d === winner);
    bar.querySelector(".bar-fill").style.height = `${(100 * Math.max(0, Math.min(1, a))).toFixed(1)}%`;
    bar.querySelector(".bar-value").textContent = outputs ? a.toFixed(2) : "";
    bar.title = outputs ? `output ${d}: ${a.toFixed(3)}` : `output ${d}`;
  });
}
