import { drawChart, downloadPng, legend } from "./chart.js";
import { api, eventTable, fmtPct, fmtTime, h, kindTitle, wireChrome } from "./common.js";

const DAY = 86400;
const eventId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1]);

function fact(list, name, value) {
  list.append(h("dt", { text: name }), h("dd", {}, value));
}

function phaseTable(phases) {
  if (!phases.length) return h("p", { class: "empty", text: "One phase only." });
  const head = h("tr", {}, ...["start", "end", "level", "note"].map((t) => h("th", { text: t })));
  const rows = phases.map((p) => h("tr", {}, h("td", { text: fmtTime(p.start) }), h("td", { text: fmtTime(p.end) }),
    h("td", { class: "num", text: fmtPct(p.level) }), h("td", { text: p.note })));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows));
}

async function main() {
  wireChrome();
  const e = await api(`/api/v1/events/${encodeURIComponent(eventId)}`);
  document.title = `netvigil — ${kindTitle(e.kind)} in ${e.entity_name}`;
  document.getElementById("title").textContent = `${kindTitle(e.kind)} in ${e.entity_name}`;
  const facts = document.getElementById("facts");
  const country = e.entity.startsWith("country:") ? e.entity.slice(8) : null;
  fact(facts, "entity", country ? h("a", { href: `/country/${country}` }, `${e.entity_name} (${e.entity})`) : `${e.entity_name} (${e.entity})`);
  fact(facts, "kind / scope", `${e.kind} / ${e.scope}`);
  fact(facts, "lowest level", `${fmtPct(e.level)} of ordinary (${e.severity})`);
  if (e.national_level !== null && e.national_level !== undefined) fact(facts, "national level", `${fmtPct(e.national_level)} of ordinary`);
  fact(facts, "start", fmtTime(e.start));
  fact(facts, "end", e.ongoing ? "ongoing" : `${fmtTime(e.end)}${e.end_reason ? ` (${e.end_reason})` : ""}`);
  fact(facts, "signals", e.signals.join(", ") || "—");
  fact(facts, "confidence", String(e.confidence));
  if (e.network_kinds.length) fact(facts, "networks", e.network_kinds.join(", "));
  if (e.cause) fact(facts, "cause", e.cause);
  const start = Date.parse(e.start) / 1000;
  const end = e.end ? Date.parse(e.end) / 1000 : start + DAY;
  const t0 = start - DAY, t1 = end + DAY;
  const range = new URLSearchParams({ from: String(t0), until: String(t1) });
  const sig = await api(`/api/v1/signals?entity=${encodeURIComponent(e.entity)}&mode=percent&${range}`);
  const series = sig.series.map((s) => ({ name: s.signal, times: s.times, values: s.values }));
  const shades = [{ id: e.id, start, end: e.end ? end : null, label: `${kindTitle(e.kind)} ${fmtPct(e.level)}` }];
  drawChart(document.getElementById("chart"), { series, shades, t0, t1, yMax: 150, yLabel: "% of ordinary" });
  legend(document.getElementById("legend"), series);
  document.getElementById("csv").href = `/api/v1/signals?entity=${encodeURIComponent(e.entity)}&mode=percent&${range}&format=csv`;
  document.getElementById("json").href = `/api/v1/events/${encodeURIComponent(e.id)}`;
  document.getElementById("phases").append(phaseTable(e.phases));
  document.getElementById("parts").append(eventTable(e.parts));
  document.getElementById("png").addEventListener("click", () => downloadPng(document.querySelector("#chart svg"), `netvigil-event-${e.id}.png`));
}

main().catch((err) => { document.getElementById("title").textContent = `Could not load: ${err.message}`; });
