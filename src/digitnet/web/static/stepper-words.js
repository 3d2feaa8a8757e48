// What each stage of the step-through says: its equation (HTML, no external maths library:
// the page is served offline) and a sentence with this digit's numbers.

const sup = (s) => `<sup>${s}</sup>`;
const sub = (s) => `<sub>${s}</sub>`;
const FUNCTION = { sigmoid: "σ", tanh: "tanh", relu: "ReLU" };
const COST = {
  quadratic: `C = ½ ‖y − a${sup("L")}‖² = ½ Σ${sub("j")} (y${sub("j")} − a${sub("j")})²`,
  "cross-entropy": `C = −Σ${sub("j")} [y${sub("j")} ln a${sub("j")} + (1 − y${sub("j")}) ln(1 − a${sub("j")})]`,
  "log-likelihood": `C = −ln a${sub("y")}`,
};

/** A number for the page: 3 decimals, 4 below 0.1, powers of ten when tiny or huge. */
export function fmt(v) {
  if (v == null) return "∞";
  const size = Math.abs(v);
  return size !== 0 && (size < 0.001 || size >= 1000) ? v.toExponential(2) : v.toFixed(size < 0.1 ? 4 : 3);
}

const count = (flags) => flags.filter(Boolean).length;

/** What a hidden neuron that hardly learns is called, and why: its f'(z) is about 0. */
function flatWords(activation) {
  if (activation === "relu") return ["inactive", "ReLU′(z) = 0"];
  return ["saturated", `${FUNCTION[activation] ?? activation}′(z) ≈ 0`];
}
const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
const largest = (values) => values.reduce((best, v, i) => (Math.abs(v) > Math.abs(values[best]) ? i : best), 0);

/** ``first`` and ``last`` with just enough decimals (2 to 6) to tell them apart. */
function fmtPair(first, last) {
  let d = 2;
  while (d < 6 && first.toFixed(d) === last.toFixed(d)) d++;
  return [first.toFixed(d), last.toFixed(d)];
}

/** "rose from 0.31 to 0.47", "fell from ...", or "barely moved: 0.999971 (by -1.0e-11)". */
export function movement(first, last) {
  if (first == null || last == null) return "was thrown to infinity";
  const [a, b] = fmtPair(first, last);
  if (a === b) return `barely moved: ${a} (by ${(last - first).toExponential(1)})`;
  return `${last > first ? "rose" : "fell"} from ${a} to ${b}`;
}

/** The stage's equation, as HTML built from fixed strings and numbers only. */
export function stageEquation(stage, answer) {
  const f = FUNCTION[answer.activation] ?? answer.activation;
  const out = answer.output === "softmax" ? "softmax" : "σ";
  const n = Number(stage.key.match(/-(\d+)$/)?.[1] ?? NaN);
  const l = Number.isNaN(n) ? "l" : String(n);
  const below = Number.isNaN(n) ? "l−1" : String(n - 1); // a^0 is the input x
  const above = Number.isNaN(n) ? "l+1" : String(n + 1);
  const prime = `${f}′(z${sup(l)})`;
  switch (stage.key.replace(/-\d+$/, "")) {
    case "forward":
      return `z${sup(l)} = w${sup(l)} a${sup(below)} + b${sup(l)},&nbsp;&nbsp; a${sup(l)} = ${f}(z${sup(l)})${n === 1 ? `,&nbsp;&nbsp; a${sup("0")} = x` : ""}`;
    case "forward-output":
      return `z${sup("L")} = w${sup("L")} a${sup("L−1")} + b${sup("L")},&nbsp;&nbsp; a${sup("L")} = ${out}(z${sup("L")})`;
    case "cost":
      return COST[answer.cost] ?? `C (${answer.cost})`;
    case "bp1":
      return answer.cost === "quadratic"
        ? `δ${sup("L")} = (a${sup("L")} − y) ⊙ σ′(z${sup("L")})`
        : `δ${sup("L")} = a${sup("L")} − y&nbsp;&nbsp; (the ${answer.cost} cost cancels ${out}′)`;
    case "bp2":
      return `δ${sup(l)} = ((w${sup(above)})${sup("T")} δ${sup(above)}) ⊙ ${prime}`;
    case "bp3":
      return `∂C / ∂b${sup("l")}${sub("j")} = δ${sup("l")}${sub("j")}`;
    case "bp4":
      return `∂C / ∂w${sup("l")}${sub("jk")} = a${sup("l−1")}${sub("k")} δ${sup("l")}${sub("j")}`;
    case "update":
      return `w → w − η ∂C/∂w,&nbsp;&nbsp; b → b − η ∂C/∂b,&nbsp;&nbsp; η = ${Number(answer.learning_rate)}`;
    default:
      return "";
  }
}

/** The stage's sentence, with this digit's numbers. */
export function stageWords(stage, answer) {
  const layer = answer.layers[stage.layer];
  const right = answer.label;
  const [flatName, flatWhy] = flatWords(answer.activation);
  const stepNote = answer.steps > 1 ? ` (this is step ${answer.steps}; the ${answer.steps - 1} before it were taken the same way)` : "";
  switch (stage.key.replace(/-\d+$/, "")) {
    case "forward": {
      const n = layer.a.length;
      const flat = count(layer.saturated);
      const inputs = stage.layer === 0 ? "784 pixels" : `${answer.sizes[stage.layer]} outputs of hidden layer ${stage.layer}`;
      return `Each of the ${n} neurons sums the ${inputs} times its weights, adds its bias and applies ${FUNCTION[answer.activation] ?? answer.activation} to the sum z: darker cells are more active${stepNote}. ${flat} of ${n} are ${flatName} (${flatWhy}, outlined), so they will hardly learn from this digit.`;
    }
    case "forward-output": {
      const top = argmax(answer.outputs);
      return `The network answers ${top} (${fmt(answer.outputs[top])}); the right digit, ${right}, has output ${fmt(answer.outputs[right])}.`;
    }
    case "cost":
      return `The bars are a, the marks y: 1 for ${right}, 0 for the others. For this digit C = ${fmt(answer.cost_value)}; learning is making it smaller.`;
    case "bp1": {
      const flat = count(layer.saturated);
      const why = answer.cost === "quadratic"
        ? `${flat} of the 10 outputs are saturated: however wrong, their σ′ ≈ 0 makes δ tiny (the chapter's slow learning).`
        : `With the ${answer.cost} cost there is no σ′ in δ: a badly wrong output learns fastest.`;
      return `The output error δ = ∂C/∂z for each output: the right one (${right}) has δ = ${fmt(layer.delta[right])}, negative, so its z will rise. ${why}`;
    }
    case "bp2": {
      const flat = count(layer.saturated);
      const j = largest(layer.delta);
      return `The error flows back through the weights: neuron ${j} gets the largest, δ = ${fmt(layer.delta[j])}. The ${flat} ${flatName} neurons (outlined) get δ ≈ 0 whatever comes back: ${flatWhy}.`;
    }
    case "bp3": {
      const j = largest(answer.layers[0].nabla_b);
      return `A bias's gradient is its neuron's δ: one row per layer, first hidden layer on top. The biggest move in the first layer is neuron ${j}'s bias, by −η δ = ${fmt(-answer.learning_rate * answer.layers[0].nabla_b[j])}.`;
    }
    case "bp4": {
      const g = answer.first_layer_gradient;
      return `One picture per first-layer neuron: red where the step will raise its weights (−∂C/∂w > 0), blue where it lowers them. Each is the digit itself times δ: only pixels with ink move. Largest |∂C/∂w| = ${fmt(g.max_abs)}${g.neurons.length < answer.layers[0].a.length ? `; the ${g.neurons.length} neurons with the largest |δ| are shown` : ""}.`;
    }
    case "update": {
      const r = answer.right_outputs;
      const [before, after] = [r[r.length - 2], r[r.length - 1]];
      if (answer.diverged) return "The step threw the outputs to infinity: η is far too large.";
      const [c0, c1] = fmtPair(answer.cost_value, answer.cost_after);
      const flat = answer.layers.slice(0, -1).map((l) => `${count(l.saturated)} → ${count(l.saturated_after)}`);
      const saturation = flat.length ? ` ${flatName[0].toUpperCase()}${flatName.slice(1)} hidden neurons: ${flat.join(", ")}${count(answer.layers[0].saturated_after) > count(answer.layers[0].saturated) ? ` — too large an η pushes neurons where ${flatWhy}, and they stop learning` : ""}.` : "";
      return `The right output ${movement(before, after)}; the cost went from ${c0} to ${c1} (bars: after the step; ticks: before).${saturation}`;
    }
    default:
      return "";
  }
}
