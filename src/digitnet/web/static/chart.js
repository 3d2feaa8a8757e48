// A small line chart on a canvas: one value per epoch, no library.

const PAD = { left: 48, right: 14, top: 14, bottom: 30 };
const AXIS = "#8a8f98";
const GRID = "#e6e7ea";
const TEXT = "#4a4f57";

/** Round numbers for axis ticks between lo and hi (about `count` of them). */
function ticks(lo, hi, count) {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(t);
  return { values: out, step };
}

/** Match the canvas's pixels to its size on screen, and return a context in CSS pixels. */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/**
 * Draw `values` (index i is epoch i + 1) as a line with dots.
 *
 * options: yMin, yMax (else from the data), xMax (epochs planned), colour, format(y) -> label,
 * empty (text shown without data).
 */
export function lineChart(canvas, values, options = {}) {
  const { ctx, width, height } = fitCanvas(canvas);
  const { colour = "#0f766e", format = (y) => String(y), empty = "No data yet" } = options;
  canvas.dataset.points = String(values.length);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";

  const finite = values.filter(Number.isFinite);
  let yMin = options.yMin ?? (finite.length ? Math.min(...finite) : 0);
  let yMax = options.yMax ?? (finite.length ? Math.max(...finite) : 1);
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5 * (Math.abs(yMin) || 1);
    yMax += 0.5 * (Math.abs(yMax) || 1);
  }
  const xMax = Math.max(options.xMax ?? 1, values.length, 1);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const inset = 10; // keeps the first and last dots off the chart's edges
  const x = (epoch) =>
    PAD.left + inset + (xMax === 1 ? plotW / 2 - inset : ((epoch - 1) / (xMax - 1)) * (plotW - 2 * inset));
  const y = (v) => PAD.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;

  // grid and y labels
  const yt = ticks(yMin, yMax, 4);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yt.values) {
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(PAD.left, Math.round(y(t)) + 0.5);
    ctx.lineTo(width - PAD.right, Math.round(y(t)) + 0.5);
    ctx.stroke();
    ctx.fillStyle = TEXT;
    ctx.fillText(format(t, yt.step), PAD.left - 6, y(t));
  }
  // x axis: epochs
  ctx.strokeStyle = AXIS;
  ctx.beginPath();
  ctx.moveTo(PAD.left, PAD.top + plotH + 0.5);
  ctx.lineTo(width - PAD.right, PAD.top + plotH + 0.5);
  ctx.stroke();
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = TEXT;
  const every = Math.ceil(xMax / 10);
  for (let e = 1; e <= xMax; e += every) ctx.fillText(String(e), x(e), PAD.top + plotH + 6);

  if (!values.length) {
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillStyle = AXIS;
    ctx.fillText(empty, PAD.left + plotW / 2, PAD.top + plotH / 2);
    return;
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, PAD.top - 6, plotW, plotH + 12);
  ctx.clip();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  let pen = false; // a missing value (a diverged cost is null) breaks the line
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) pen = false;
    else if (pen) ctx.lineTo(x(i + 1), y(v));
    else {
      ctx.moveTo(x(i + 1), y(v));
      pen = true;
    }
  });
  ctx.stroke();
  ctx.fillStyle = colour;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    ctx.beginPath();
    ctx.arc(x(i + 1), y(v), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  });
  ctx.restore();
}
