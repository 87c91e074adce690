// A small SVG line chart (no dependencies): series over time, shaded events, PNG export.
const NS = "http://www.w3.org/2000/svg";
export const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function timeTicks(t0, t1, count) {
  const steps = [3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400];
  const step = steps.find((s) => (t1 - t0) / s <= count) || steps[steps.length - 1];
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { ticks, step };
}

function label(t, step) {
  const iso = new Date(t * 1000).toISOString();
  return step < 86400 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

// spec: {series: [{name, times, values}], shades: [{start, end, label}], t0, t1, yMax, yLabel}
export function drawChart(container, spec) {
  container.textContent = "";
  const W = 1000, H = 340, L = 56, R = 12, T = 14, B = 36;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "font-family": "sans-serif", "font-size": 12 }, container);
  el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
  const all = spec.series.flatMap((s) => s.values.filter((v) => v !== null));
  const yMax = spec.yMax || Math.max(1, ...all) * 1.1;
  const x = (t) => L + ((t - spec.t0) / Math.max(1, spec.t1 - spec.t0)) * (W - L - R);
  const y = (v) => T + (1 - Math.min(v, yMax) / yMax) * (H - T - B);
  (spec.shades || []).forEach((shade, i) => {
    const a = x(Math.max(shade.start, spec.t0)), b = x(Math.min(shade.end ?? spec.t1, spec.t1));
    if (b <= a) return;
    el("rect", { x: a, y: T, width: b - a, height: H - T - B, fill: "#b3261e", "fill-opacity": 0.12, "data-event": shade.id || "" }, svg);
    el("text", { x: a + 4, y: T + 14 + 14 * (i % 4), fill: "#b3261e" }, svg).textContent = shade.label || "";
  });
  const raw = yMax / 5, mag = 10 ** Math.floor(Math.log10(raw));
  const yStep = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => m >= raw);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e6ea" }, svg);
    el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", fill: "#5b6470" }, svg).textContent = String(+v.toFixed(3));
  }
  const { ticks, step } = timeTicks(spec.t0, spec.t1, 8);
  for (const t of ticks.filter((t) => x(t) < W - R - 30)) {
    el("line", { x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4, stroke: "#5b6470" }, svg);
    el("text", { x: x(t), y: H - B + 18, "text-anchor": "middle", fill: "#5b6470" }, svg).textContent = label(t, step);
  }
  el("text", { x: 14, y: T + (H - T - B) / 2, transform: `rotate(-90 14 ${T + (H - T - B) / 2})`, "text-anchor": "middle", fill: "#5b6470" }, svg).textContent = spec.yLabel || "";
  spec.series.forEach((s, i) => {
    let d = "", pen = false;
    s.times.forEach((t, j) => {
      const v = s.values[j];
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    el("path", { d, fill: "none", stroke: s.color || COLORS[i % COLORS.length], "stroke-width": 1.6, "data-series": s.name }, svg);
  });
  el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#c4cad1" }, svg);
  return svg;
}

export function legend(container, series) {
  container.textContent = "";
  series.forEach((s, i) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = s.color || COLORS[i % COLORS.length];
    item.append(swatch, s.name);
    container.appendChild(item);
  });
}

// Save an SVG chart as a PNG file (drawn on a canvas at twice the size).
export function downloadPng(svg, filename) {
  const text = new XMLSerializer().serializeToString(svg);
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const canvas = document.createElement("canvas");
    const box = svg.viewBox.baseVal;
    canvas.width = 2 * box.width; canvas.height = 2 * box.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
    }, "image/png");
  };
  img.src = url;
}

// Horizontal bars, one per item ({label, value} with value in % of ordinary, 0-100).
export function drawBars(container, items, title) {
  container.textContent = "";
  const W = 1000, row = 26, T = 30, L = 330, R = 60;
  const H = T + row * Math.max(1, items.length) + 10;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "font-family": "sans-serif", "font-size": 13 }, container);
  el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
  el("text", { x: 8, y: 18, fill: "#1b1f24", "font-weight": "bold" }, svg).textContent = title;
  const x = (v) => L + (Math.max(0, Math.min(100, v)) / 100) * (W - L - R);
  items.forEach((item, i) => {
    const y = T + i * row;
    el("text", { x: L - 8, y: y + 17, "text-anchor": "end", fill: "#1b1f24" }, svg).textContent = item.label;
    el("rect", { x: L, y: y + 4, width: W - L - R, height: row - 8, fill: "#eef0f3" }, svg);
    el("rect", { x: L, y: y + 4, width: Math.max(1, x(item.value) - L), height: row - 8, fill: item.color || "#b3261e", "data-bar": item.id || "" }, svg);
    el("text", { x: x(item.value) + 6, y: y + 17, fill: "#1b1f24" }, svg).textContent = `${Number(item.value).toFixed(1)} %`;
  });
  return svg;
}
