// digitnet's page: wires the sections together around GET /api/model.

import { initConv } from "./conv.js";
import { initDescent } from "./descent.js";
import { initDraw } from "./draw.js";
import { initExplain } from "./explain.js";
import { initInside } from "./inside.js";
import { initPerceptrons } from "./perceptrons.js";
import { initStepper } from "./stepper.js";
import { fetchModel, initTrain } from "./train.js";

const modelStatus = document.getElementById("model-status");
const ledeNetwork = document.getElementById("lede-network");
const noModel = document.getElementById("no-model");

let convModel = false; // the model served is convolutional: the dense-only panels say so
const inside = initInside();
const conv = initConv();
const stepper = initStepper();
const explain = initExplain({ onModelSaved: () => refreshModel().then(() => draw.refresh()) });
const draw = initDraw({
  onResult: (result) => {
    inside.showActivations(convModel ? null : (result.hidden?.[0] ?? null)); // conv: maps, not neurons
    // A lean answer has no pixels: the views of the drawn digit keep theirs until the full
    // answer, which comes when one of them is on screen (draw.js).
    if (!result.centred_pixels) return;
    stepper.useDrawing(result);
    explain.showPrediction(result);
    conv.showDigit(result.centred_pixels);
  },
  onCleared: () => {
    inside.showActivations(null);
    conv.showDigit(null);
    stepper.useDrawing(null);
    explain.clear();
  },
});
const train = initTrain({ onDone: () => refreshModel().then(() => draw.refresh()) });

function describe(model) {
  if (!model.loaded) return model.training ? "No model yet: one is being trained." : "No model loaded.";
  let text = model.kind === "conv" ? `Network ${model.layers}` : `Network [${model.sizes.join(", ")}]`;
  const h = model.history;
  if (h && h.validation_accuracy.length) {
    const best = Math.max(...h.validation_accuracy);
    text += `, trained for ${h.epochs} epochs: best validation accuracy ${best.toFixed(2)}%`;
  }
  if (model.source) text += ` · ${model.source.split(/[\\/]/).pop()}`; // the file name; title has the path
  if (model.training) text += " · training a new one…";
  return text;
}

const ACTIVATION_NAMES = { sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU", softmax: "softmax" };

/** The lede's subject: the loaded network, e.g. "A [784, 30, 10] network of sigmoid neurons". */
function networkWords(model) {
  if (!model.loaded) return "A neural network";
  const name = (key) => ACTIVATION_NAMES[key] ?? key;
  if (model.kind === "conv") return `A convolutional network (${model.layers}) of ${name(model.activation)} neurons`;
  const sizes = `[${model.sizes.join(", ")}]`;
  if (model.sizes.length < 3) return `A ${sizes} network of ${name(model.output)} neurons`;
  const output = model.output === model.activation ? "" : ` and a ${name(model.output)} output layer`;
  return `A ${sizes} network of ${name(model.activation)} neurons${output}`;
}

async function refreshModel() {
  let model;
  try {
    model = await fetchModel();
  } catch (err) {
    modelStatus.textContent = `Could not reach the server: ${err.message}`;
    modelStatus.dataset.state = "error";
    return;
  }
  modelStatus.textContent = describe(model);
  ledeNetwork.textContent = networkWords(model);
  modelStatus.title = model.source ?? "";
  modelStatus.dataset.state = model.loaded ? "loaded" : "none";
  noModel.hidden = model.loaded;
  document.body.classList.toggle("no-model", !model.loaded);
  convModel = model.kind === "conv";
  document.body.classList.toggle("conv-model", convModel);
  conv.modelChanged(model.loaded && convModel, model.source);
  draw.setEnabled(model.loaded);
  train.showModel(model);
  explain.modelChanged(model.loaded ? model.source : null, { dense: !convModel });
  if (model.loaded && !convModel) {
    await inside.loadWeights().catch((err) => {
      modelStatus.textContent += ` (weights unavailable: ${err.message})`;
    });
  } else {
    inside.clearWeights();
  }
}

initPerceptrons({ onError: (err) => (document.getElementById("adder-result").textContent = err.message) });
initDescent();
refreshModel();
