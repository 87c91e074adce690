import { drawChart, downloadPng, legend } from "./chart.js";
import { api, badge, entityPage, eventTable, fmtPct, fmtTime, h, kindTitle, setView, wireChrome } from "./common.js";

const DAY = 86400;
const country = location.pathname.split("/").filter(Boolean)[1].toUpperCase();
const entity = `country:${country}`;

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

function childTable(rows, withKind) {
  if (!rows.length) return h("p", { class: "empty", text: "No data stored for these." });
  const cols = ["name", ...(withKind ? ["kind"] : []), "now", "lowest in view", "events"];
  const head = h("tr", {}, ...cols.map((c) => h("th", { class: c === "name" || c === "kind" ? "" : "num", text: c })));
  const body = rows.map((r) => h("tr", { "data-entity": r.entity },
    h("td", {}, entityPage(r.entity) ? h("a", { href: entityPage(r.entity) }, r.name) : r.name),
    ...(withKind ? [h("td", {}, r.kind ? badge(r.kind, `kind-${r.kind}`) : "—")] : []),
    h("td", { class: "num", text: fmtPct(r.latest_percent) }),
    h("td", { class: "num", text: fmtPct(r.lowest_percent) }),
    h("td", { class: "num", text: String(r.events.length) })));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...body));
}

function fill(id, node) {
  const box = document.getElementById(id);
  box.textContent = "";
  box.append(node);
}

async function load() {
  const v = viewParams();
  const range = rangeQuery(v);
  const sig = await api(`/api/v1/signals?entity=${entity}&mode=${v.mode}&${range}`);
  const t0 = Date.parse(sig.since) / 1000, t1 = Date.parse(sig.until) / 1000;
  const fixed = new URLSearchParams({ from: sig.since, until: sig.until });
  const [overview, events] = await Promise.all([
    api(`/api/v1/countries/${country}/overview?${fixed}`),
    api(`/api/v1/events?entity=${entity}&${fixed}`),
  ]);
  document.title = `netvigil — ${overview.name}`;
  document.getElementById("title").textContent = `${overview.name} (${country})`;
  document.getElementById("range").textContent = `${fmtTime(sig.since)} to ${fmtTime(sig.until)}`;
  const series = sig.series.map((s) => ({ name: s.signal, times: s.times, values: s.values }));
  const shades = events.events.map((e) => ({
    id: e.id, start: Date.parse(e.start) / 1000, end: e.end ? Date.parse(e.end) / 1000 : null,
    label: `${kindTitle(e.kind)} ${fmtPct(e.level)}`,
  }));
  const percent = v.mode === "percent";
  drawChart(document.getElementById("chart"), { series, shades, t0, t1, yMax: percent ? 150 : null, yLabel: percent ? "% of ordinary" : "value" });
  legend(document.getElementById("legend"), series);
  if (!series.length) fill("legend", h("p", { class: "empty", text: "No signals stored for this country." }));
  document.getElementById("csv").href = `/api/v1/signals?entity=${entity}&mode=${v.mode}&${fixed}&format=csv`;
  document.getElementById("tables-csv").href = `/api/v1/countries/${country}/overview?${fixed}&format=csv`;
  fill("events", eventTable(events.events));
  fill("networks", childTable(overview.networks, true));
  fill("regions", childTable(overview.regions, false));
  fill("services", childTable(overview.services, false));
  for (const b of document.querySelectorAll("[data-mode]")) b.classList.toggle("on", b.dataset.mode === v.mode);
  return { t1 };
}

async function main() {
  wireChrome();
  let state = await load();
  for (const b of document.querySelectorAll("[data-days]")) {
    b.addEventListener("click", async () => {
      const until = new Date(state.t1 * 1000).toISOString().replace(".000", "");
      const from = new Date((state.t1 - Number(b.dataset.days) * DAY) * 1000).toISOString().replace(".000", "");
      setView({ from, until });
      state = await load();
    });
  }
  for (const b of document.querySelectorAll("[data-mode]")) {
    b.addEventListener("click", async () => { setView({ mode: b.dataset.mode }); state = await load(); });
  }
  document.getElementById("png").addEventListener("click", () => downloadPng(document.querySelector("#chart svg"), `netvigil-${country}.png`));
}

main().catch((err) => { document.getElementById("title").textContent = `Could not load: ${err.message}`; });
