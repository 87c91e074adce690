import { drawBars, downloadPng, downloadSvg } from "./chart.js";
import { api, autoRefresh, badge, eventTable, fmtDuration, fmtPct, fmtTime, h, kindTitle, wireChrome } from "./common.js";

const SEVERITY = { severe: "#b3261e", major: "#d9822b", minor: "#c9a227" };
const SEVERITY_LEGEND = [
  { name: "severe (under 10 % of ordinary)", color: SEVERITY.severe },
  { name: "major (under 50 %)", color: SEVERITY.major },
  { name: "minor", color: SEVERITY.minor },
];
const EMPTY_STORE = "No events stored yet. Start monitoring a country (netvigil monitor KZ --serve, see docs/monitoring.md) "
  + "or load the Kazakhstan replay (netvigil demo), then reload this page.";

function disruptedItem(e, at) {
  const country = e.entity.startsWith("country:") ? e.entity.slice(8) : null;
  const place = country ? h("a", { href: `/country/${country}` }, e.entity_name) : e.entity_name;
  return h("li", { "data-event": e.id }, badge(e.severity, e.severity), " ", h("a", { href: `/event/${e.id}` }, kindTitle(e.kind)),
    " in ", place, ` (${e.scope}) at ${fmtPct(e.level)} of ordinary${e.national_level != null ? ` (national ${fmtPct(e.national_level)})` : ""} since ${fmtTime(e.start)} (${fmtDuration(e.start, at)} by then)`);
}

async function load() {
  const at = new URL(location.href).searchParams.get("at");
  const query = at ? `?at=${encodeURIComponent(at)}` : "";
  const body = await api(`/api/v1/summary${query}`);
  const why = at ? "the moment in the address" : "the newest data in this store; add ?at=TIME to the address for another moment";
  document.getElementById("at").textContent = `As of ${fmtTime(body.at)} (${why}).`;
  document.getElementById("disrupted-csv").href = `/api/v1/summary?format=csv${at ? `&at=${encodeURIComponent(at)}` : ""}`;
  const box = document.getElementById("disrupted-box");
  box.textContent = "";
  if (body.disrupted.length) {
    box.append(h("ol", { class: "ranked", id: "disrupted" }, ...body.disrupted.map((e) => disruptedItem(e, body.at))));
  } else {
    box.append(h("p", { class: "empty", text: body.latest.length ? "Nothing is disrupted at this moment. The latest events are below." : EMPTY_STORE }));
  }
  const latest = document.getElementById("latest");
  latest.textContent = "";
  latest.append(eventTable(body.latest, null, EMPTY_STORE));
  const shown = body.disrupted.length ? body.disrupted : body.latest;
  const title = body.disrupted.length ? "Connectivity now, % of ordinary" : "Lowest level of the latest events, % of ordinary";
  const bars = shown.slice(0, 15).map((e) => ({ id: e.id, label: `${e.entity_name} — ${kindTitle(e.kind)}`, value: e.level, color: SEVERITY[e.severity] }));
  const source = "netvigil events (each event's signals and sources are on its page)";
  const sourceBox = document.getElementById("source");
  sourceBox.textContent = `Data: ${source}.`;
  if (body.synthetic) sourceBox.prepend(badge("SYNTHETIC", "synthetic"), ` ${body.synthetic}. `);
  drawBars(document.getElementById("bars"), bars, title, {
    subtitle: `As of ${fmtTime(body.at)}`, legend: SEVERITY_LEGEND, source, link: location.href, synthetic: body.synthetic || null,
  });
}

async function main() {
  wireChrome();
  await load();
  const bars = document.getElementById("bars");
  document.getElementById("png").addEventListener("click", () => downloadPng(bars, "netvigil-disrupted.png"));
  document.getElementById("svg").addEventListener("click", () => downloadSvg(bars, "netvigil-disrupted.svg"));
  autoRefresh(load);
}

main().catch((err) => { document.getElementById("at").textContent = `Could not load: ${err.message}`; });
