// Teach it your handwriting: the learner's drawings with the digit each shows, a lesson on a
// copy of the network (POST /api/explain/teach), kept as a new model only when asked
// (POST /api/explain/teach/keep), then served like a trained one (POST /api/models/use).

import { postJSON } from "./api.js";
import { drawDigit } from "./digit-pictures.js";

const MAX_TAUGHT = 8; // the server's limit on drawings a lesson

export function initTeach({ current, onModelSaved }) {
  const form = document.getElementById("teach-add");
  const label = document.getElementById("teach-label");
  const addButton = document.getElementById("teach-add-button");
  const run = document.getElementById("teach-run");
  const forget = document.getElementById("teach-reset");
  const list = document.getElementById("teach-examples");
  const text = document.getElementById("teach-text");
  const saved = document.getElementById("teach-saved");
  const keep = document.getElementById("teach-keep");
  const savedName = document.getElementById("teach-saved-name");
  const use = document.getElementById("teach-use");
  const errorLine = document.getElementById("teach-error");

  let examples = []; // {pixels, label}
  let lesson = null; // the last lesson's name, until kept
  let savedAs = null;

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  function render() {
    list.replaceChildren();
    examples.forEach((example, i) => {
      const figure = document.createElement("figure");
      figure.className = "teach-example";
      figure.dataset.label = String(example.label);
      const canvas = document.createElement("canvas");
      drawDigit(canvas, example.pixels);
      const caption = document.createElement("figcaption");
      caption.textContent = `${i + 1}: a ${example.label}`;
      figure.append(canvas, caption);
      list.append(figure);
    });
    list.dataset.count = String(examples.length);
    run.disabled = examples.length === 0;
    addButton.disabled = examples.length >= MAX_TAUGHT;
  }

  function forgetLesson() {
    lesson = savedAs = null;
    saved.hidden = true;
    use.hidden = true;
    keep.disabled = false;
    savedName.textContent = "";
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const digit = current();
    if (!digit) return showError("Draw a digit (or pick a test digit) first.");
    showError("");
    examples.push({ pixels: digit.pixels, label: Number(label.value) });
    text.textContent = `${examples.length} drawing${examples.length > 1 ? "s" : ""} to teach (at most ${MAX_TAUGHT}).`;
    render();
  });

  forget.addEventListener("click", () => {
    examples = [];
    forgetLesson();
    text.textContent = "No drawings added yet.";
    text.dataset.state = "";
    render();
  });

  run.addEventListener("click", async () => {
    run.disabled = true;
    forgetLesson();
    text.textContent = "Teaching…";
    text.dataset.state = "teaching";
    try {
      const answer = await postJSON("/api/explain/teach", { examples });
      lesson = answer.lesson;
      const each = answer.examples
        .map((e, i) => `${i + 1}: read as ${e.digit_before} → ${e.digit_after} (output ${e.label}: ${e.right_before.toFixed(2)} → ${e.right_after.toFixed(2)})`)
        .join("; ");
      text.textContent =
        `${answer.steps} steps in ${answer.seconds.toFixed(2)} s. Validation accuracy ` +
        `${answer.validation_before.toFixed(2)}% → ${answer.validation_after.toFixed(2)}%. ${each}.`;
      text.dataset.state = "done";
      text.dataset.rightAfter = answer.examples.map((e) => e.right_after.toFixed(4)).join(",");
      text.dataset.rightBefore = answer.examples.map((e) => e.right_before.toFixed(4)).join(",");
      saved.hidden = false;
      showError("");
    } catch (err) {
      text.dataset.state = "error";
      text.textContent = "";
      showError(err.message);
    } finally {
      run.disabled = examples.length === 0;
    }
  });

  keep.addEventListener("click", async () => {
    keep.disabled = true;
    try {
      savedAs = (await postJSON("/api/explain/teach/keep", { lesson })).saved;
      savedName.textContent = `Saved as ${savedAs}.`;
      use.hidden = false;
    } catch (err) {
      keep.disabled = false;
      showError(err.message);
    }
  });

  use.addEventListener("click", async () => {
    use.disabled = true;
    try {
      await postJSON("/api/models/use", { name: savedAs });
      use.hidden = true;
      savedName.textContent = `Now using ${savedAs}.`;
      onModelSaved();
    } catch (err) {
      showError(err.message);
    } finally {
      use.disabled = false;
    }
  });

  render();
  return {
    /** Another model is served: a lesson taught to the old one is no longer on offer. */
    reset() {
      if (!savedAs) forgetLesson();
    },
  };
}
