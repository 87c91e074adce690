import { drawChart, downloadPng, downloadSvg } from "./chart.js";
import {
  api, autoRefresh, badge, cell, entityPage, eventTable, fmtPct, fmtTime, fmtTimeBoth, h, isLive, kindTitle, setView, sourceLine, wireChrome,
} from "./common.js";

const DAY = 86400;
const country = location.pathname.split("/").filter(Boolean)[1].toUpperCase();
const entity = `country:${country}`;
const NO_DATA = `Nothing is stored for ${country} yet. To start monitoring it: netvigil monitor ${country} --serve `
  + "(docs/monitoring.md), or try the replay: netvigil demo.";

function viewParams() {
  const p = new URL(location.href).searchParams;
  return { from: p.get("from"), until: p.get("until"), mode: p.get("mode") || "percent" };
}

function rangeQuery(v) {
  const q = new URLSearchParams();
  if (v.from) q.set("from", v.from);
  if (v.until) q.set("until", v.until);
  return q;
}

function childTable(rows, withKind, empty) {
  if (!rows.length) return h("p", { class: "empty", text: empty });
  const cols = ["name", ...(withKind ? ["kind"] : []), "now", "lowest in view", "events"];
  const head = h("tr", {}, ...cols.map((c) => h("th", { class: c === "name" || c === "kind" ? "" : "num", text: c })));
  const body = rows.map((r) => h("tr", { "data-entity": r.entity },
    cell("name", {}, entityPage(r.entity) ? h("a", { href: entityPage(r.entity) }, r.name) : r.name),
    ...(withKind ? [cell("kind", {}, r.kind ? badge(r.kind, `kind-${r.kind}`) : "—")] : []),
    cell("now", { class: "num", text: fmtPct(r.latest_percent) }),
    cell("lowest in view", { class: "num", text: fmtPct(r.lowest_percent) }),
    cell("events", { class: "num", text: String(r.events.length) })));
  return h("table", { class: "stack" }, h("thead", {}, head), h("tbody", {}, ...body));
}

function fill(id, node) {
  const box = document.getElementById(id);
  box.textContent = "";
  box.append(node);
}

const iso = (t) => new Date(t * 1000).toISOString().replace(".000", "");

async function load() {
  const v = viewParams();
  const range = rangeQuery(v);
  // The overview resolves an open range exactly as the signals do (the store's newest data), so both
  // start at once; the events need the resolved range, and are quick.
  const [sig, overview] = await Promise.all([
    api(`/api/v1/signals?entity=${entity}&mode=${v.mode}&${range}`),
    api(`/api/v1/countries/${country}/overview?${range}`),
  ]);
  const t0 = Date.parse(sig.since) / 1000, t1 = Date.parse(sig.until) / 1000;
  const fixed = new URLSearchParams({ from: sig.since, until: sig.until });
  const events = await api(`/api/v1/events?entity=${entity}&${fixed}`);
  const zone = overview.timezone;
  document.title = `netvigil — ${overview.name}`;
  document.getElementById("title").textContent = `${overview.name} (${country})`;
  document.getElementById("range").textContent = `${fmtTimeBoth(sig.since, zone)} to ${fmtTimeBoth(sig.until, zone)}${zone ? `; local time is ${zone}` : ""}`;
  const series = sig.series.map((s) => ({ name: s.signal, times: s.times, values: s.values }));
  const shades = events.events.map((e) => ({
    id: e.id, start: Date.parse(e.start) / 1000, end: e.end ? Date.parse(e.end) / 1000 : null,
    label: `${kindTitle(e.kind)} ${fmtPct(e.level)}`,
  }));
  const percent = v.mode === "percent";
  const spec = {
    series, shades, t0, t1, yMax: percent ? 150 : null, yLabel: percent ? "% of ordinary" : "value (raw)",
    title: `Internet connectivity in ${overview.name} (${country})`,
    subtitle: `Every signal ${percent ? "as % of ordinary" : "as raw values"}, ${fmtTime(sig.since)} to ${fmtTime(sig.until)}; events shaded`,
    timeZone: zone, link: location.href, emptyText: NO_DATA,
    onZoom: (from, until) => { setView({ from: iso(from), until: iso(until) }); load(); },
  };
  drawChart(document.getElementById("chart"), spec);
  sourceLine(entity, fixed, spec, document.getElementById("source"));
  document.getElementById("csv").href = `/api/v1/signals?entity=${entity}&mode=${v.mode}&${fixed}&format=csv`;
  document.getElementById("tables-csv").href = `/api/v1/countries/${country}/overview?${fixed}&format=csv`;
  fill("events", eventTable(events.events, zone));
  fill("networks", childTable(overview.networks, true, "No networks of this country have data in this view."));
  fill("regions", childTable(overview.regions, false, "No region of this country has data in this view (regional signals come from probes placed in regions)."));
  fill("services", childTable(overview.services, false, `No service reachability stored: OONI measurements from ${country} bring it (netvigil monitor ${country} --sources ooni).`));
  for (const b of document.querySelectorAll("[data-mode]")) b.classList.toggle("on", b.dataset.mode === v.mode);
  document.getElementById("live").classList.toggle("on", isLive());
  performance.mark("netvigil:drawn");  // benchmarks/bench_serve.py times the page's drawing from here
  return { t1 };
}

async function main() {
  wireChrome();
  let state = await load();
  for (const b of document.querySelectorAll("[data-days]")) {
    b.addEventListener("click", async () => {
      setView({ from: iso(state.t1 - Number(b.dataset.days) * DAY), until: iso(state.t1) });
      state = await load();
    });
  }
  for (const b of document.querySelectorAll("[data-mode]")) {
    b.addEventListener("click", async () => { setView({ mode: b.dataset.mode }); state = await load(); });
  }
  document.getElementById("live").addEventListener("click", async () => { setView({ from: null, until: null }); state = await load(); });
  const chart = document.getElementById("chart");
  document.getElementById("png").addEventListener("click", () => downloadPng(chart, `netvigil-${country}.png`));
  document.getElementById("svg").addEventListener("click", () => downloadSvg(chart, `netvigil-${country}.svg`));
  autoRefresh(async () => { state = await load(); });
}

main().catch((err) => { document.getElementById("title").textContent = `Could not load: ${err.message}`; });
