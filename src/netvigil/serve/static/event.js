import { drawChart, downloadPng, downloadSvg } from "./chart.js";
import {
  api, cell, eventTable, fmtDuration, fmtPct, fmtTime, fmtTimeBoth, h, kindTitle, setView, sourceLine, wireChrome,
} from "./common.js";

const DAY = 86400;
const eventId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1]);

function fact(list, name, value) {
  list.append(h("dt", { text: name }), h("dd", {}, value));
}

function phaseTable(phases, zone) {
  if (!phases.length) return h("p", { class: "empty", text: "One phase only: the level stayed about the same from start to end." });
  const head = h("tr", {}, ...["start", "end", "level", "note", "duration"].map((t) => h("th", { class: t === "level" || t === "duration" ? "num" : "", text: t })));
  const rows = phases.map((p) => h("tr", {}, cell("start", { text: fmtTimeBoth(p.start, zone) }), cell("end", { text: fmtTimeBoth(p.end, zone) }),
    cell("level", { class: "num", text: fmtPct(p.level) }), cell("note", { text: p.note }), cell("duration", { class: "num", text: fmtDuration(p.start, p.end) })));
  return h("table", { class: "stack" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

// The local time zone of the place an event is in (a service's is its vantage's), or null.
async function zoneOf(entity) {
  const where = entity.includes("@") ? entity.split("@")[1] : entity;
  try { return (await api(`/api/v1/entities/${encodeURIComponent(where)}`)).timezone || null; } catch { return null; }
}

function viewRange(e) {
  const p = new URL(location.href).searchParams;
  const start = Date.parse(e.start) / 1000, end = e.end ? Date.parse(e.end) / 1000 : start + DAY;
  const from = p.get("from") ? Date.parse(p.get("from")) / 1000 : start - DAY;
  const until = p.get("until") ? Date.parse(p.get("until")) / 1000 : end + DAY;
  return { start, end, t0: from, t1: until };
}

const iso = (t) => new Date(t * 1000).toISOString().replace(".000", "");

async function drawEvidence(e, zone) {
  const { start, end, t0, t1 } = viewRange(e);
  const range = new URLSearchParams({ from: iso(t0), until: iso(t1) });
  const sig = await api(`/api/v1/signals?entity=${encodeURIComponent(e.entity)}&mode=percent&${range}`);
  const series = sig.series.map((s) => ({ name: s.signal, times: s.times, values: s.values }));
  const spec = {
    series, shades: [{ id: e.id, start, end: e.end ? end : null, label: `${kindTitle(e.kind)} ${fmtPct(e.level)}` }],
    t0, t1, yMax: 150, yLabel: "% of ordinary", timeZone: zone, link: location.href,
    title: `${kindTitle(e.kind)} in ${e.entity_name}: ${fmtPct(e.level)} of ordinary`,
    subtitle: `From ${fmtTime(e.start)} to ${e.ongoing ? "now (ongoing)" : fmtTime(e.end)} (${fmtDuration(e.start, e.end)}); the ${e.entity}'s signals, event shaded`,
    emptyText: "No signals are stored around this event (it may come from another observatory's report).",
    onZoom: (from, until) => { setView({ from: iso(from), until: iso(until) }); drawEvidence(e, zone); },
  };
  drawChart(document.getElementById("chart"), spec);
  sourceLine(e.entity, range, spec, document.getElementById("source"));
  document.getElementById("csv").href = `/api/v1/signals?entity=${encodeURIComponent(e.entity)}&mode=percent&${range}&format=csv`;
}

async function main() {
  wireChrome();
  const e = await api(`/api/v1/events/${encodeURIComponent(eventId)}`);
  const zone = await zoneOf(e.entity);
  document.title = `netvigil — ${kindTitle(e.kind)} in ${e.entity_name}`;
  document.getElementById("title").textContent = `${kindTitle(e.kind)} in ${e.entity_name}`;
  const facts = document.getElementById("facts");
  const country = e.entity.startsWith("country:") ? e.entity.slice(8) : null;
  fact(facts, "entity", country ? h("a", { href: `/country/${country}` }, `${e.entity_name} (${e.entity})`) : `${e.entity_name} (${e.entity})`);
  fact(facts, "kind / scope", `${e.kind} / ${e.scope}`);
  fact(facts, "lowest level", `${fmtPct(e.level)} of ordinary (${e.severity})`);
  if (e.national_level !== null && e.national_level !== undefined) fact(facts, "national level", `${fmtPct(e.national_level)} of ordinary`);
  fact(facts, "start", fmtTimeBoth(e.start, zone));
  fact(facts, "end", e.ongoing ? "ongoing" : `${fmtTimeBoth(e.end, zone)}${e.end_reason ? ` (${e.end_reason})` : ""}`);
  fact(facts, "duration", `${fmtDuration(e.start, e.end)}${e.ongoing ? " so far" : ""}`);
  if (zone) fact(facts, "local time zone", zone);
  fact(facts, "signals", e.signals.join(", ") || "—");
  fact(facts, "confidence", String(e.confidence));
  if (e.network_kinds.length) fact(facts, "networks", e.network_kinds.join(", "));
  if (e.cause) fact(facts, "cause", e.cause);
  await drawEvidence(e, zone);
  document.getElementById("json").href = `/api/v1/events/${encodeURIComponent(e.id)}`;
  document.getElementById("phases").append(phaseTable(e.phases, zone));
  document.getElementById("parts").append(eventTable(e.parts, zone, "No parts: the event was seen on this entity only."));
  const chart = document.getElementById("chart");
  document.getElementById("png").addEventListener("click", () => downloadPng(chart, `netvigil-event-${e.id}.png`));
  document.getElementById("svg").addEventListener("click", () => downloadSvg(chart, `netvigil-event-${e.id}.svg`));
}

main().catch((err) => { document.getElementById("title").textContent = `Could not load: ${err.message}`; });
