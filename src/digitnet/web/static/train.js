// Training from the page: POST /api/train starts a run on the server, GET /api/train/events
// streams its progress (Server-Sent Events), drawn as two per-epoch curves. The server keeps
// each run as a new model; POST /api/models/use serves it, /api/models/NAME/file downloads it.

import { getJSON, postJSON } from "./api.js";
import { lineChart } from "./chart.js";
import { initLearning } from "./learning.js";

// The form's fields a preset fills (GET /api/train/presets), by the name the server reads.
const PRESET_FIELDS = {
  sizes: "train-sizes",
  learning_rate: "train-rate",
  mini_batch_size: "train-batch",
  epochs: "train-epochs",
  cost: "train-cost",
  activation: "train-activation",
  init: "train-init",
  l2: "train-l2",
  momentum: "train-momentum",
  nesterov: "train-nesterov",
  dropout: "train-dropout",
  schedule: "train-schedule",
  augment: "train-augment",
};

export function initTrain({ onDone }) {
  const form = document.getElementById("train-form");
  const start = document.getElementById("train-start");
  const stop = document.getElementById("train-stop");
  const progress = document.getElementById("train-progress");
  const status = document.getElementById("train-status");
  const errorLine = document.getElementById("train-error");
  const accuracyChart = document.getElementById("accuracy-chart");
  const costChart = document.getElementById("cost-chart");
  const saved = document.getElementById("train-saved");
  const savedName = document.getElementById("train-saved-name");
  const use = document.getElementById("train-use");
  const download = document.getElementById("train-download");
  const preset = document.getElementById("train-preset");
  const learning = initLearning();
  let presets = null; // GET /api/train/presets, once loaded

  let accuracy = []; // validation accuracy in percent, index i = epoch i + 1
  let cost = [];
  let plannedEpochs = 1;
  let events = null;
  let running = false;
  let savedAs = null; // the name of the model the last run was saved as

  function draw() {
    const low = accuracy.length ? Math.min(...accuracy.filter(Number.isFinite)) : 80;
    lineChart(accuracyChart, accuracy, {
      yMin: Math.max(0, Math.floor((low - 1) / 5) * 5),
      yMax: 100,
      xMax: plannedEpochs,
      colour: "#0f766e",
      format: (y) => `${y.toFixed(0)}%`,
      empty: "Train a network to see its accuracy",
    });
    lineChart(costChart, cost, {
      yMin: 0,
      xMax: plannedEpochs,
      colour: "#b45309",
      format: (y, step) => y.toFixed(Math.max(0, -Math.floor(Math.log10(step)))),
      empty: "…and its cost",
    });
  }

  function setRunning(on) {
    running = on;
    start.disabled = on;
    stop.disabled = !on;
    for (const input of form.querySelectorAll("input, select")) input.disabled = on;
    form.classList.toggle("running", on);
  }

  function showSaved(name) {
    savedAs = name;
    saved.hidden = !name;
    if (!name) return;
    savedName.textContent = `Saved as ${name}.`;
    download.href = `/api/models/${encodeURIComponent(name)}/file`;
    use.disabled = false;
    use.textContent = "Use this model";
  }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  function settings() {
    const value = (id) => document.getElementById(id).value.trim();
    const parts = value("train-sizes").split(",").map((s) => s.trim());
    const sizes = parts.map(Number);
    const bad = parts.find((s, i) => !/^\d+$/.test(s) || !Number.isInteger(sizes[i]));
    if (bad !== undefined) throw new Error(`Layer sizes: "${bad}" is not a whole number (write e.g. 784,30,10)`);
    const optionalInt = (id) => (value(id) === "" ? null : Number(value(id)));
    const checked = (id) => document.getElementById(id).checked;
    return {
      preset: value("train-preset"),
      sizes,
      learning_rate: Number(value("train-rate")),
      mini_batch_size: Number(value("train-batch")),
      epochs: Number(value("train-epochs")),
      cost: value("train-cost"),
      activation: value("train-activation"),
      init: value("train-init"),
      l2: Number(value("train-l2")),
      momentum: Number(value("train-momentum")),
      nesterov: checked("train-nesterov"),
      dropout: Number(value("train-dropout")),
      schedule: value("train-schedule"),
      augment: checked("train-augment"),
      training_size: optionalInt("train-size"),
      seed: optionalInt("train-seed"),
    };
  }

  /** Fill the form with the chosen preset's recipe (the server's, GET /api/train/presets). */
  function fillPreset() {
    const fields = presets?.[preset.value];
    if (!fields) return;
    for (const [name, id] of Object.entries(PRESET_FIELDS)) {
      const input = document.getElementById(id);
      const v = fields[name];
      if (input.type === "checkbox") input.checked = Boolean(v);
      else input.value = Array.isArray(v) ? v.join(",") : String(v);
    }
  }

  function listen() {
    events?.close();
    events = new EventSource("/api/train/events");
    events.addEventListener("samples", (e) => learning.showSamples(JSON.parse(e.data)));
    events.addEventListener("epoch", (e) => {
      const d = JSON.parse(e.data);
      plannedEpochs = d.epochs;
      accuracy[d.epoch - 1] = d.validation_accuracy;
      cost[d.epoch - 1] = d.validation_cost;
      draw();
      learning.showSnapshot(d.snapshot, d.epoch);
      const costText = d.validation_cost == null ? "cost not a number" : `cost ${d.validation_cost.toFixed(4)}`;
      status.textContent =
        `Epoch ${d.epoch} of ${d.epochs}: validation accuracy ${d.validation_accuracy.toFixed(2)}%, ` +
        `${costText} (${d.seconds.toFixed(1)} s)`;
      progress.value = 0;
    });
    events.addEventListener("progress", (e) => {
      const d = JSON.parse(e.data);
      progress.max = d.total;
      progress.value = d.done;
      const epoch = Math.min(accuracy.length + 1, plannedEpochs);
      status.textContent = `Epoch ${epoch} of ${plannedEpochs}: ${Math.round((100 * d.done) / d.total)}% of the mini-batches`;
    });
    events.addEventListener("done", (e) => {
      const d = JSON.parse(e.data);
      finish();
      const best =
        d.best_validation_accuracy == null
          ? "no epoch finished, so nothing was saved"
          : `best validation accuracy ${d.best_validation_accuracy.toFixed(2)}%`;
      showSaved(d.saved);
      status.textContent = d.diverged
        ? `Stopped after ${d.epochs_run} epochs: the weights blew up (nothing was saved). Try a smaller learning rate.`
        : d.stopped
          ? `Stopped after ${d.epochs_run} epochs at your request; ${best}.`
          : d.timed_out
            ? `Stopped after ${d.epochs_run} epochs at the server's time limit; ${best}.`
            : `Done: ${d.epochs_run} epochs, ${best}.`;
      status.dataset.state = "done";
      onDone();
    });
    events.addEventListener("error", (e) => {
      if (e.data) {
        // the server's `error` event: training failed
        finish();
        showError(JSON.parse(e.data).detail);
        status.textContent = "Training failed.";
        status.dataset.state = "error";
      } else if (!running) {
        events?.close(); // the connection closed and nothing is training: don't reconnect
      }
    });
  }

  function finish() {
    events?.close();
    events = null;
    setRunning(false);
    progress.value = progress.max;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("");
    let body;
    try {
      body = settings();
    } catch (err) {
      showError(err.message);
      return;
    }
    setRunning(true);
    showSaved(null);
    status.textContent = "Starting…";
    status.dataset.state = "running";
    try {
      await postJSON("/api/train", body);
    } catch (err) {
      setRunning(false);
      showError(err.message);
      status.textContent = "Not training.";
      status.dataset.state = "";
      return;
    }
    accuracy = [];
    cost = [];
    plannedEpochs = body.epochs;
    progress.value = 0;
    draw();
    learning.reset();
    listen();
  });

  stop.addEventListener("click", async () => {
    stop.disabled = true;
    status.textContent = "Stopping after the current mini-batches…";
    try {
      await postJSON("/api/train/stop");
    } catch (err) {
      showError(err.message);
    }
  });

  use.addEventListener("click", async () => {
    use.disabled = true;
    try {
      await postJSON("/api/models/use", { name: savedAs });
      onDone();
    } catch (err) {
      use.disabled = false;
      showError(err.message);
    }
  });

  preset.addEventListener("change", fillPreset);
  window.addEventListener("resize", draw);
  draw();
  showLimits();
  getJSON("/api/train/presets")
    .then((p) => {
      presets = p;
    })
    .catch(() => {}); // without them a preset still trains: the server fills what is not given

  /** The server's bounds (GET /api/limits) on the form and in a line under it. */
  async function showLimits() {
    let limits;
    try {
      limits = (await getJSON("/api/limits")).train;
    } catch {
      return; // the form's own max= attributes stand; the server checks every request anyway
    }
    document.getElementById("train-epochs").max = limits.epochs;
    document.getElementById("train-batch").max = limits.mini_batch_size;
    document.getElementById("train-size").max = limits.training_size;
    document.getElementById("train-rate").max = limits.learning_rate_max;
    document.getElementById("train-seed").max = limits.seed_max;
    const n = (x) => x.toLocaleString("en");
    document.getElementById("train-limits").textContent =
      `This server trains up to ${n(limits.epochs)} epochs or ${n(limits.run_seconds / 60)} minutes a run, ` +
      `networks of up to ${n(limits.weights)} weights, and runs that need up to ` +
      `${n(limits.memory_bytes / 2 ** 20)} MB.`;
  }

  return {
    /** Show the loaded model's history (from GET /api/model), and follow a run in progress. */
    showModel(model) {
      if (model.training && !running) {
        setRunning(true);
        status.textContent = "A training run is in progress…";
        status.dataset.state = "running";
        listen();
        return;
      }
      if (running) return;
      const serving = savedAs && model.source?.split(/[\\/]/).pop() === `${savedAs}.npz`;
      if (serving) {
        use.disabled = true;
        use.textContent = "In use";
      } else if (savedAs) {
        return; // the run's curves stay until its model is used or another run starts
      }
      const h = model.history;
      accuracy = h ? [...h.validation_accuracy] : [];
      cost = h ? [...h.validation_cost] : [];
      plannedEpochs = Math.max(1, accuracy.length);
      draw();
    },
  };
}

/** Fetch GET /api/model. */
export function fetchModel() {
  return getJSON("/api/model");
}
