// A map of what the hidden layer sees: 2,000 test digits placed by their hidden activations
// (GET /api/explain/map), the current digit among them (POST /api/explain/map/place); click
// a point to see that digit (GET /api/explain/digit/N).

import { getJSON, postJSON } from "./api.js";
import { fitCanvas } from "./chart.js";
import { drawDigit } from "./digit-pictures.js";

// Ten colours told apart easily (Tableau 10), one per digit.
const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#3b3b3b"];
const PAD = 14;
const PICK_RADIUS = 8; // CSS pixels from a point that a click picks it

export function initHiddenMap({ current, onPick }) {
  const canvas = document.getElementById("map-canvas");
  const method = document.getElementById("map-method");
  const run = document.getElementById("map-run");
  const legend = document.getElementById("map-legend");
  const text = document.getElementById("map-text");
  const pickBox = document.getElementById("map-pick");
  const pickCanvas = document.getElementById("map-pick-digit");
  const pickText = document.getElementById("map-pick-text");
  const pickUse = document.getElementById("map-pick-use");

  let map = null;
  let drawn = null; // the current digit's place
  let picked = null; // the test digit clicked: {index, label, pixels}
  let placing = 0;

  legend.replaceChildren(
    ...COLOURS.map((colour, d) => {
      const item = document.createElement("span");
      item.innerHTML = `<span class="map-dot" style="background:${colour}"></span>${d}`;
      return item;
    }),
  );

  function frame(width, height) {
    const xs = map.points.map((p) => p[0]);
    const ys = map.points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const k = Math.min((width - 2 * PAD) / (x1 - x0 || 1), (height - 2 * PAD) / (y1 - y0 || 1));
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    return (p) => [width / 2 + (p[0] - cx) * k, height / 2 - (p[1] - cy) * k];
  }

  function draw() {
    const { ctx, width, height } = fitCanvas(canvas);
    ctx.clearRect(0, 0, width, height);
    canvas.dataset.points = String(map ? map.points.length : 0);
    canvas.dataset.drawn = drawn ? "true" : "false";
    if (!map) {
      ctx.fillStyle = "#8a8f98";
      ctx.textAlign = "center";
      ctx.font = "13px system-ui, sans-serif";
      ctx.fillText("Draw the map to see it", width / 2, height / 2);
      return;
    }
    const at = frame(width, height);
    ctx.globalAlpha = 0.7;
    map.points.forEach((p, i) => {
      const [x, y] = at(p);
      ctx.fillStyle = COLOURS[map.labels[i]];
      ctx.fillRect(x - 2, y - 2, 4, 4);
    });
    ctx.globalAlpha = 1;
    if (picked) {
      const [x, y] = at(map.points[picked.index]);
      ctx.strokeStyle = "#1f2933";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (drawn) star(ctx, ...at(drawn));
  }

  async function place() {
    const digit = current();
    const asked = ++placing;
    if (!map || !digit) {
      drawn = null;
      return draw();
    }
    try {
      const answer = await postJSON(`/api/explain/map/place?method=${map.method}`, { pixels: digit.pixels });
      if (asked === placing) drawn = answer.point;
    } catch (err) {
      text.textContent = err.message;
    }
    draw();
  }

  run.addEventListener("click", async () => {
    run.disabled = true;
    text.textContent = method.value === "tsne" ? "Laying out 2,000 digits by t-SNE…" : "Placing 2,000 digits…";
    try {
      map = await getJSON(`/api/explain/map?method=${encodeURIComponent(method.value)}`);
      const share = map.explained_percent;
      text.textContent =
        `${map.points.length.toLocaleString()} test digits` +
        (share ? `; the two directions hold ${share[0].toFixed(0)}% and ${share[1].toFixed(0)}% of the hidden layer's variance.` : " by t-SNE.") +
        ` Laid out in ${map.seconds.toFixed(2)} s.`;
      canvas.dataset.method = map.method;
      await place();
    } catch (err) {
      text.textContent = err.message;
    } finally {
      run.disabled = false;
      draw();
    }
  });

  canvas.addEventListener("click", async (e) => {
    if (!map) return;
    const r = canvas.getBoundingClientRect();
    const at = frame(r.width, r.height);
    const [cx, cy] = [e.clientX - r.left, e.clientY - r.top];
    let best = -1;
    let bestDistance = PICK_RADIUS ** 2;
    map.points.forEach((p, i) => {
      const [x, y] = at(p);
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d <= bestDistance) [best, bestDistance] = [i, d];
    });
    if (best < 0) return;
    try {
      const found = await getJSON(`/api/explain/digit/${best}`);
      picked = found;
      drawDigit(pickCanvas, found.pixels);
      pickText.textContent = `Test digit #${found.index}: a ${found.label}, read as ${map.predictions[best]}.`;
      pickBox.hidden = false;
      pickBox.dataset.index = String(found.index);
      draw();
    } catch (err) {
      text.textContent = err.message;
    }
  });

  pickUse.addEventListener("click", () => {
    if (picked) onPick({ pixels: picked.pixels, source: `MNIST test digit #${picked.index}, a ${picked.label}`, label: picked.label });
  });

  window.addEventListener("resize", draw);
  draw();

  return {
    place,
    /** Another model is served: its hidden layer is another map. */
    reset() {
      map = drawn = picked = null;
      pickBox.hidden = true;
      text.textContent = "";
      draw();
    },
  };
}

function star(ctx, x, y) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? 4.5 : 11;
    const t = -Math.PI / 2 + (i * Math.PI) / 5;
    ctx.lineTo(x + r * Math.cos(t), y + r * Math.sin(t));
  }
  ctx.closePath();
  ctx.fillStyle = "#fff200";
  ctx.strokeStyle = "#1f2933";
  ctx.lineWidth = 2;
  ctx.fill();
  ctx.stroke();
}
