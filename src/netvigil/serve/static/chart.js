// The dashboard's charts. Time series are drawn by uPlot (vendored: uPlot.esm.js, MIT, see
// uPlot.LICENSE.txt and docs/design/dashboard-charts.md): hover values, drag to zoom, fast on a year of
// bins. Downloads are a "poster": an SVG made here from the same data, with title, legend, units,
// time zone, data source and a SYNTHETIC mark when the data is synthetic; the PNG is that SVG drawn on
// a canvas, so both files say the same thing.
import uPlot from "./uPlot.esm.js";

const NS = "http://www.w3.org/2000/svg";
export const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const SHADE = "#b3261e";
const MUTED = "#5b6470";
const FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, attrs, content) {
  el("text", attrs, parent).textContent = content;
}

const colorOf = (s, i) => s.color || COLORS[i % COLORS.length];

// "2022-01-05 10:35 UTC" from Unix seconds.
export function utcLabel(t) {
  return `${new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// "10:35" (or "01-05 10:35" with the day) in an IANA zone, e.g. Asia/Almaty.
export function zoneLabel(t, timeZone, withDay = true) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, hourCycle: "h23", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(t * 1000));
  const get = (type) => parts.find((p) => p.type === type)?.value || "";
  return `${withDay ? `${get("month")}-${get("day")} ` : ""}${get("hour")}:${get("minute")}`;
}

// One timeline for every series (uPlot wants aligned columns; gaps stay null).
function aligned(series) {
  if (!series.length) return [[]];
  return uPlot.join(series.map((s) => [s.times, s.values.map((v) => (v === undefined ? null : v))]));
}

function yFormatter(spec) {
  const percent = (spec.yLabel || "").includes("%");
  return (v) => (v === null || v === undefined ? "—" : percent ? `${v.toFixed(1)} %` : String(+v.toFixed(3)));
}

// The shaded events, as elements over the plot (labels are text: readable, findable, accessible).
function placeShades(u, spec) {
  const layer = u.over;
  for (const old of layer.querySelectorAll(".shade")) old.remove();
  const [lo, hi] = [u.scales.x.min, u.scales.x.max];
  (spec.shades || []).forEach((shade, i) => {
    const a = Math.max(shade.start, lo), b = Math.min(shade.end ?? hi, hi);
    if (b <= a) return;
    const left = u.valToPos(a, "x"), right = u.valToPos(b, "x");
    const box = document.createElement("div");
    box.className = "shade";
    box.dataset.event = shade.id || "";
    box.style.left = `${left}px`;
    box.style.width = `${Math.max(1, right - left)}px`;
    const label = document.createElement("span");
    label.textContent = shade.label || "";
    label.style.top = `${4 + 16 * (i % 4)}px`;
    box.append(label);
    layer.append(box);
  });
}

function chartHeight(width) {
  return width < 600 ? 240 : 320;
}

function plotOptions(spec, width) {
  const zone = spec.timeZone;
  const fmtY = yFormatter(spec);
  const axisFont = `12px ${FONT}`;
  return {
    width,
    height: chartHeight(width),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true, min: spec.t0, max: spec.t1 }, y: { range: (u, min, max) => [0, spec.yMax || Math.max(1, max) * 1.1] } },
    series: [
      { label: zone ? `UTC (${zone})` : "UTC", value: (u, t) => (t === null ? "—" : zone ? `${utcLabel(t)} · ${zoneLabel(t, zone, false)} local` : utcLabel(t)) },
      ...spec.series.map((s, i) => ({ label: s.name, stroke: colorOf(s, i), width: 1.6, spanGaps: false, value: (u, v) => fmtY(v), points: { show: false } })),
    ],
    axes: [
      { font: axisFont, stroke: MUTED, grid: { stroke: "#e3e6ea" }, ticks: { stroke: "#c4cad1" } },
      { font: axisFont, stroke: MUTED, label: spec.yLabel || "", labelFont: axisFont, labelSize: 18, size: 52, grid: { stroke: "#e3e6ea" }, values: (u, ticks) => ticks.map((v) => String(+v.toFixed(3))) },
    ],
    cursor: { drag: { x: true, y: false, setScale: !spec.onZoom } },
    legend: { show: true, live: true },
    hooks: {
      draw: [(u) => placeShades(u, spec)],
      setSelect: [(u) => {
        if (!spec.onZoom || u.select.width < 5) return;
        const a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
        u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
        spec.onZoom(Math.floor(a / 60) * 60, Math.ceil(b / 60) * 60);
      }],
    },
  };
}

// Draw a time-series chart into ``container``. The spec is unchanged from the SVG chart's:
// {series: [{name, times, values, color?}], shades: [{id, start, end, label}], t0, t1, yMax, yLabel},
// plus optional {title, subtitle, timeZone (IANA, the local time shown beside UTC), source, synthetic
// (a note, or true), onZoom(from, until)} used by the hover values, the zoom and the downloads.
export function drawChart(container, spec) {
  if (container.chartPlot) container.chartPlot.destroy();
  if (container.chartResize) container.chartResize.disconnect();
  container.textContent = "";
  container.chartSpec = spec;
  container.setAttribute("role", "figure");
  container.setAttribute("aria-label", `${spec.title || "Chart"}: ${spec.series.map((s) => s.name).join(", ") || "no signals"}, ${spec.yLabel || ""}, times in UTC`);
  if (!spec.series.length) {
    container.append(Object.assign(document.createElement("p"), { className: "empty", textContent: spec.emptyText || "No signals stored for this view." }));
    container.chartPlot = null;
    return null;
  }
  const width = Math.max(280, container.clientWidth || 320);
  const plot = new uPlot(plotOptions(spec, width), aligned(spec.series), container);
  plot.root.querySelectorAll(".u-legend .u-series").forEach((row, i) => { if (i > 0) row.dataset.series = spec.series[i - 1].name; });
  container.chartPlot = plot;
  container.chartResize = new ResizeObserver(() => {
    const w = Math.max(280, container.clientWidth);
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: chartHeight(w) });
  });
  container.chartResize.observe(container);
  return plot;
}

export function legend(container, series) {
  container.textContent = "";
  series.forEach((s, i) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = colorOf(s, i);
    item.dataset.series = s.name;
    item.append(swatch, s.name);
    container.appendChild(item);
  });
}

function timeTicks(t0, t1, count) {
  const steps = [3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400];
  const step = steps.find((s) => (t1 - t0) / s <= count) || steps[steps.length - 1];
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return { ticks, step };
}

function tickLabel(t, step) {
  const iso = new Date(t * 1000).toISOString();
  return step < 86400 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

// The series plotted in the box {x, y, w, h} of an SVG: grid, y ticks, UTC time ticks, shades, lines.
function plotSvg(svg, spec, box) {
  const all = spec.series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const yMax = spec.yMax || Math.max(1, ...all) * 1.1;
  const x = (t) => box.x + ((t - spec.t0) / Math.max(1, spec.t1 - spec.t0)) * box.w;
  const y = (v) => box.y + (1 - Math.min(v, yMax) / yMax) * box.h;
  (spec.shades || []).forEach((shade, i) => {
    const a = x(Math.max(shade.start, spec.t0)), b = x(Math.min(shade.end ?? spec.t1, spec.t1));
    if (b <= a) return;
    el("rect", { x: a, y: box.y, width: b - a, height: box.h, fill: SHADE, "fill-opacity": 0.12, "data-event": shade.id || "" }, svg);
    text(svg, { x: a + 4, y: box.y + 16 + 15 * (i % 4), fill: SHADE }, shade.label || "");
  });
  const raw = yMax / 5, mag = 10 ** Math.floor(Math.log10(raw));
  const yStep = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => m >= raw);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    el("line", { x1: box.x, x2: box.x + box.w, y1: y(v), y2: y(v), stroke: "#e3e6ea" }, svg);
    text(svg, { x: box.x - 6, y: y(v) + 4, "text-anchor": "end", fill: MUTED }, String(+v.toFixed(3)));
  }
  const { ticks, step } = timeTicks(spec.t0, spec.t1, 8);
  for (const t of ticks.filter((t) => x(t) < box.x + box.w - 30)) {
    el("line", { x1: x(t), x2: x(t), y1: box.y + box.h, y2: box.y + box.h + 4, stroke: MUTED }, svg);
    text(svg, { x: x(t), y: box.y + box.h + 18, "text-anchor": "middle", fill: MUTED }, tickLabel(t, step));
  }
  const mid = box.y + box.h / 2;
  text(svg, { x: box.x - 44, y: mid, transform: `rotate(-90 ${box.x - 44} ${mid})`, "text-anchor": "middle", fill: MUTED }, spec.yLabel || "");
  spec.series.forEach((s, i) => {
    let d = "", pen = false;
    s.times.forEach((t, j) => {
      const v = s.values[j];
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    el("path", { d, fill: "none", stroke: colorOf(s, i), "stroke-width": 1.6, "data-series": s.name }, svg);
  });
  el("rect", { x: box.x, y: box.y, width: box.w, height: box.h, fill: "none", stroke: "#c4cad1" }, svg);
}

function synthNote(synthetic) {
  return typeof synthetic === "string" && synthetic ? synthetic : "synthetic data, not a recording of real measurements";
}

// A standalone SVG for posting: title, subtitle, the drawing, legend, units, time zone, source, and a
// SYNTHETIC mark. meta: {title, subtitle, legend: [{name, color}], units, timeZone, source, synthetic};
// draw(svg, box) fills the box.
export function poster(meta, draw, bodyHeight = 400) {
  const W = 1200, L = 80, R = 24, top = meta.synthetic ? 104 : 76, legendH = 34, footH = 62;
  const H = top + bodyHeight + 30 + legendH + footH;
  const svg = el("svg", { xmlns: NS, viewBox: `0 0 ${W} ${H}`, width: W, height: H, "font-family": FONT, "font-size": 14 });
  el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
  text(svg, { x: 24, y: 34, "font-size": 24, "font-weight": "bold", fill: "#1b1f24" }, meta.title || "netvigil");
  text(svg, { x: 24, y: 60, fill: MUTED }, meta.subtitle || "");
  if (meta.synthetic) {
    el("rect", { x: 24, y: 70, width: W - 48, height: 26, fill: "#fff3cd", stroke: "#b3261e" }, svg);
    text(svg, { x: 34, y: 88, "font-weight": "bold", fill: "#7a1a14" }, `SYNTHETIC — ${synthNote(meta.synthetic)}`);
  }
  draw(svg, { x: L, y: top + 10, w: W - L - R, h: bodyHeight - 10 });
  let lx = 24;
  const ly = top + bodyHeight + 36;
  for (const item of meta.legend || []) {
    el("rect", { x: lx, y: ly - 9, width: 18, height: 6, fill: item.color }, svg);
    text(svg, { x: lx + 24, y: ly, fill: "#1b1f24", "data-legend": item.name }, item.name);
    lx += 40 + 8 * item.name.length;
  }
  const fy = top + bodyHeight + 30 + legendH;
  const zone = meta.timeZone ? `Times in UTC (local time zone: ${meta.timeZone}).` : "Times in UTC.";
  text(svg, { x: 24, y: fy + 16, fill: MUTED }, `Units: ${meta.units || "—"}. ${zone}`);
  text(svg, { x: 24, y: fy + 38, fill: MUTED }, `Source: ${meta.source || "netvigil"}${meta.link ? ` — ${meta.link}` : ""}`);
  return svg;
}

// The poster of a chart drawn by drawChart (its container remembers the spec).
export function chartPoster(container) {
  const spec = container.chartSpec;
  return poster({
    title: spec.title, subtitle: spec.subtitle, units: spec.yLabel, timeZone: spec.timeZone,
    source: spec.source, synthetic: spec.synthetic, link: spec.link,
    legend: spec.series.map((s, i) => ({ name: s.name, color: colorOf(s, i) })),
  }, (svg, box) => plotSvg(svg, spec, { ...box, h: box.h - 24 }));
}

function save(blob, filename) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function posterOf(target) {
  await target.chartSpec?.ready;
  if (target instanceof SVGSVGElement) return target;
  return target.chartPoster ? target.chartPoster() : chartPoster(target);
}

// Save a chart (a drawChart container, or a poster SVG) as an SVG file.
export async function downloadSvg(target, filename) {
  const textBody = new XMLSerializer().serializeToString(await posterOf(target));
  save(new Blob([textBody], { type: "image/svg+xml" }), filename);
}

// Save a chart (a drawChart container, or an SVG) as a PNG file, drawn on a canvas at twice the size.
export async function downloadPng(target, filename) {
  const svg = await posterOf(target);
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const canvas = document.createElement("canvas");
    const box = svg.viewBox.baseVal;
    canvas.width = 2 * box.width; canvas.height = 2 * box.height;
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => save(blob, filename), "image/png");
  };
  img.src = url;
}

// Bars in the box: labels left of the bars, or above them when the box is narrow (a phone).
function barsInto(svg, items, box) {
  const narrow = box.w < 600, row = box.h / Math.max(1, items.length), R = 70;
  const labelW = narrow ? 0 : Math.min(330, box.w * 0.42), barTop = narrow ? 18 : 4;
  const x = (v) => box.x + labelW + (Math.max(0, Math.min(100, v)) / 100) * (box.w - labelW - R);
  items.forEach((item, i) => {
    const y = box.y + i * row, mid = y + barTop + (row - barTop - 4) / 2 + 5;
    if (narrow) text(svg, { x: box.x, y: y + 14, fill: "#1b1f24" }, item.label);
    else text(svg, { x: box.x + labelW - 8, y: mid, "text-anchor": "end", fill: "#1b1f24" }, item.label);
    el("rect", { x: box.x + labelW, y: y + barTop, width: box.w - labelW - R, height: row - barTop - 4, fill: "#eef0f3" }, svg);
    el("rect", { x: box.x + labelW, y: y + barTop, width: Math.max(1, x(item.value) - box.x - labelW), height: row - barTop - 4, fill: item.color || SHADE, "data-bar": item.id || "" }, svg);
    text(svg, { x: x(item.value) + 6, y: mid, fill: "#1b1f24" }, `${Number(item.value).toFixed(1)} %`);
  });
}

// Horizontal bars, one per item ({label, value} with value in % of ordinary, 0-100). The SVG scales
// with its box, so on a phone it is drawn narrower (and its text stays readable) rather than shrunk.
export function drawBars(container, items, title, meta = {}) {
  container.textContent = "";
  const W = Math.max(300, Math.min(1000, container.clientWidth || 1000)), row = W < 600 ? 40 : 26, T = 30;
  const H = T + row * Math.max(1, items.length) + 10;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": title, "font-family": FONT, "font-size": 13 }, container);
  el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
  text(svg, { x: 8, y: 18, fill: "#1b1f24", "font-weight": "bold" }, title);
  barsInto(svg, items, { x: 8, y: T, w: W - 8, h: row * Math.max(1, items.length) });
  container.chartPoster = () => poster({ title, units: "% of ordinary", legend: meta.legend || [], ...meta },
    (p, box) => barsInto(p, items, { ...box, x: 24, w: box.w + 56 }), Math.max(80, 30 * items.length + 10));
  return svg;
}

