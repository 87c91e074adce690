// The map: countries (Natural Earth 1:110m) and first-level regions shaded by % of ordinary at a moment.
// Shapes are package data (static/map/*.json, TopoJSON), drawn here as SVG: no tiles, no other host.
// A country's regions (static/map/regions/CC.json) are fetched only when they are shown: for the
// countries whose regions have data at this moment and for the country zoomed into; regions/index.json
// lists the countries that have a file, so a missing one is never requested.
// Projection: plate carrée between 58° S and 84° N (Antarctica left out: no network to show there).
import { api, fmtPct, fmtTime, h, setView, wireChrome } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
const W = 960, NORTH = 84, SOUTH = -58, K = W / 360, H = (NORTH - SOUTH) * K;
const BANDS = [
  { below: 10, color: "#8e1b16", text: "under 10 % (severe)" },
  { below: 50, color: "#c4621a", text: "10–50 % (major)" },
  { below: 90, color: "#b08a12", text: "50–90 % (minor)" },
  { below: Infinity, color: "#3f7f5a", text: "90 % or more (ordinary)" },
];
const NO_DATA = "#dde1e6";

// TopoJSON arcs (quantized, delta-encoded) to lon/lat rings.
function decodeArcs(topo) {
  const [sx, sy] = topo.transform.scale, [tx, ty] = topo.transform.translate;
  return topo.arcs.map((arc) => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
  });
}

function ring(arcs, indexes) {
  const points = [];
  for (const i of indexes) {
    const arc = i < 0 ? arcs[~i].slice().reverse() : arcs[i];
    points.push(...(points.length ? arc.slice(1) : arc));
  }
  return points;
}

function polygonsOf(geometry) {
  if (geometry.type === "Polygon") return [geometry.arcs];
  if (geometry.type === "MultiPolygon") return geometry.arcs;
  return [];
}

const project = ([lon, lat]) => [(lon + 180) * K, (NORTH - Math.max(SOUTH, Math.min(NORTH, lat))) * K];

function pathOf(arcs, geometry) {
  let d = "";
  for (const polygon of polygonsOf(geometry)) {
    for (const indexes of polygon) {
      // A step across the antimeridian (Russia, Fiji) starts a new stroke instead of crossing the map.
      d += ring(arcs, indexes).map((p, i, all) => `${i && Math.abs(p[0] - all[i - 1][0]) < 180 ? "L" : "M"}${project(p).map((v) => v.toFixed(1)).join(",")}`).join("") + "Z";
    }
  }
  return d;
}

// Shapes with an id; with keepUncoded, also those without (regions whose ISO code is not known).
function shapes(topo, layer, keepUncoded = false) {
  const arcs = decodeArcs(topo);
  return topo.objects[layer].geometries.filter((g) => (g.id || keepUncoded) && g.id !== "AQ" && polygonsOf(g).length)
    .map((g) => ({ id: g.id || null, name: g.properties?.name || g.id, d: pathOf(arcs, g), box: boxOf(arcs, g) }));
}

function boxOf(arcs, geometry) {
  const xs = [], ys = [];
  for (const polygon of polygonsOf(geometry)) for (const p of ring(arcs, polygon[0])) { const [x, y] = project(p); xs.push(x); ys.push(y); }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function colorOf(percent) {
  if (percent === null || percent === undefined) return NO_DATA;
  return BANDS.find((b) => percent < b.below).color;
}

function svgEl(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent.appendChild(node);
  return node;
}

function drawShape(svg, shape, level, page, cls) {
  const label = `${level?.name || shape.name}: ${level && level.percent !== null ? `${fmtPct(level.percent)} of ordinary` : "no data at this moment"}`;
  const a = svgEl("a", { href: page, "aria-label": label, "data-entity": shape.key, class: cls }, svg);
  svgEl("title", {}, a).textContent = label;
  // A region without data is outlined only, so its country's own shade shows through.
  const fill = cls === "region no-data" ? "none" : colorOf(level?.percent);
  svgEl("path", { d: shape.d, fill, stroke: "#ffffff", "stroke-width": cls === "country" ? 0.6 : 0.4 }, a);
}

// A region without an ISO code: outlined only, not a link (its country's shade shows through).
function drawUncoded(group, shape) {
  const path = svgEl("path", { d: shape.d, fill: "none", stroke: "#ffffff", "stroke-width": 0.4, class: "region uncoded" }, group);
  path.setAttribute("aria-hidden", "true");
}

// Draws a country's regions once, when it has a region file (per regions/index.json).
function regionLoader(group, available, byKey) {
  const loaded = new Map();
  return (country) => {
    if (!country || !available.has(country)) return Promise.resolve();
    if (!loaded.has(country)) {
      loaded.set(country, fetch(`/static/map/regions/${country}.json`).then((r) => (r.ok ? r.json() : null)).then((topo) => {
        if (!topo) return;
        for (const s of shapes(topo, "regions", true)) {
          if (!s.id) { drawUncoded(group, s); continue; }
          const key = `region:${s.id}`;
          drawShape(group, { ...s, key }, byKey[key], `/region/${s.id}`, byKey[key] ? "region" : "region no-data");
        }
      }));
    }
    return loaded.get(country);
  };
}

function areaTable(areas) {
  if (!areas.length) return h("p", { class: "empty", text: "No country or region has signals stored. Run `netvigil demo` or ingest a signal file (netvigil ingest) to fill the map." });
  const head = h("tr", {}, ...["place", "identifier", "% of ordinary", "events in the 6 h before"].map((t, i) => h("th", { class: i > 1 ? "num" : "", text: t })));
  const rows = areas.map((a) => h("tr", { "data-entity": a.entity }, h("td", {}, h("a", { href: a.page }, a.name)), h("td", { text: a.entity }),
    h("td", { class: "num", text: fmtPct(a.percent) }), h("td", { class: "num", text: String(a.events) })));
  return h("div", { class: "scroll" }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows)));
}

function legendBox() {
  const box = document.getElementById("map-legend");
  box.textContent = "";
  for (const b of [...BANDS, { color: NO_DATA, text: "no data" }]) {
    const swatch = h("i");
    swatch.style.background = b.color;
    box.append(h("span", {}, swatch, b.text));
  }
}

function zoomTo(svg, box) {
  const pad = 8;
  svg.setAttribute("viewBox", box ? `${box[0] - pad} ${box[1] - pad} ${box[2] - box[0] + 2 * pad} ${box[3] - box[1] + 2 * pad}` : `0 0 ${W} ${H}`);
}

async function main() {
  wireChrome();
  const params = new URL(location.href).searchParams;
  const at = params.get("at");
  const [countries, regionIndex, levels] = await Promise.all([
    fetch("/static/map/countries.json").then((r) => r.json()),
    fetch("/static/map/regions/index.json").then((r) => r.json()),
    api(`/api/v1/map${at ? `?at=${encodeURIComponent(at)}` : ""}`),
  ]);
  document.getElementById("at").textContent = `As of ${fmtTime(levels.at)}${at ? "" : " (the newest data in this store)"}. Click a country or region for its page.`;
  document.getElementById("moment").value = levels.at.slice(0, 16);
  document.getElementById("map-csv").href = `/api/v1/map?format=csv&at=${encodeURIComponent(levels.at)}`;
  const byKey = Object.fromEntries(levels.areas.map((a) => [a.entity, a]));
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": "World map of connectivity, % of ordinary", width: "100%" }, document.getElementById("map"));
  svgEl("rect", { x: -W, y: -H, width: 3 * W, height: 3 * H, fill: "#f3f6f9" }, svg);
  const countryShapes = shapes(countries, "countries").map((s) => ({ ...s, key: `country:${s.id}` }));
  for (const s of countryShapes) drawShape(svg, s, byKey[s.key], `/country/${s.id}`, "country");
  const loadRegions = regionLoader(svgEl("g", { class: "regions" }, svg), new Set(regionIndex), byKey);
  const withRegionData = new Set(levels.areas.filter((a) => a.entity.startsWith("region:")).map((a) => a.entity.slice(7, 9)));
  const boxes = Object.fromEntries(countryShapes.map((s) => [s.id, s.box]));
  const wanted = params.get("zoom") && boxes[params.get("zoom")] ? params.get("zoom") : null;
  await Promise.all([...withRegionData, wanted].map(loadRegions));
  legendBox();
  const zooms = document.getElementById("zooms");
  for (const c of countryShapes.filter((s) => withRegionData.has(s.id))) {
    zooms.append(h("button", { type: "button", "data-zoom": c.id, text: c.name }));
  }
  const zoom = (id) => { zoomTo(svg, id ? boxes[id] : null); setView({ zoom: id || null }); return loadRegions(id); };
  for (const b of document.querySelectorAll("[data-zoom]")) b.addEventListener("click", () => zoom(b.dataset.zoom));
  const any = document.getElementById("zoom-any");
  for (const c of countryShapes.filter((s) => regionIndex.includes(s.id)).sort((a, b) => a.name.localeCompare(b.name))) {
    any.append(h("option", { value: c.id, text: c.name }));
  }
  any.addEventListener("change", () => zoom(any.value));
  if (wanted) { zoomTo(svg, boxes[wanted]); any.value = wanted; }
  document.getElementById("areas").append(areaTable(levels.areas));
  document.getElementById("when").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = document.getElementById("moment").value;
    if (!value) return;
    setView({ at: `${value.length === 16 ? `${value}:00` : value}Z` });
    location.reload();
  });
}

main().catch((err) => { document.getElementById("at").textContent = `Could not load the map: ${err.message}`; });
