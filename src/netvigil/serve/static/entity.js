// The region and network pages: one entity's signals, events, parent and children, from the API.
import { drawChart, legend } from "./chart.js";
import { api, badge, eventTable, fmtTime, h, kindTitle, wireChrome } from "./common.js";

const [type, code] = location.pathname.split("/").filter(Boolean);
const entity = type === "network" ? `asn:${code.replace(/^as/i, "")}` : `region:${code.toUpperCase()}`;

function link(e) {
  return e.page ? h("a", { href: e.page }, e.name) : e.name;
}

function fill(id, node) {
  const box = document.getElementById(id);
  box.textContent = "";
  box.append(node);
}

function fact(list, name, value) {
  list.append(h("dt", { text: name }), h("dd", {}, value));
}

function entityList(rows, empty) {
  if (!rows.length) return h("p", { class: "empty", text: empty });
  return h("ul", { class: "entity-list" }, ...rows.map((r) => h("li", { "data-entity": r.entity }, link(r),
    r.kind ? " " : "", r.kind ? badge(r.kind, `kind-${r.kind}`) : "", h("span", { class: "muted", text: ` ${r.entity}` }))));
}

// Screen readers get the chart's subject (whatever chart.js draws with: SVG or canvas).
function nameChart(container, text) {
  for (const drawn of container.querySelectorAll("svg, canvas")) if (!drawn.getAttribute("aria-label")) drawn.setAttribute("aria-label", text);
}

function viewParams() {
  const p = new URL(location.href).searchParams;
  const q = new URLSearchParams();
  for (const k of ["from", "until"]) if (p.get(k)) q.set(k, p.get(k));
  return q;
}

async function main() {
  wireChrome();
  const [about, sig, events] = await Promise.all([
    api(`/api/v1/entities/${encodeURIComponent(entity)}`),
    api(`/api/v1/signals?entity=${encodeURIComponent(entity)}&mode=percent&${viewParams()}`),
    api(`/api/v1/events?entity=${encodeURIComponent(entity)}&${viewParams()}`),
  ]);
  const [parent, parentEvents] = about.parent ? await Promise.all([
    api(`/api/v1/entities/${encodeURIComponent(about.parent)}`),
    api(`/api/v1/events?entity=${encodeURIComponent(about.parent)}&${viewParams()}`),
  ]) : [null, { events: [] }];
  const wider = parentEvents.events.filter((e) => e.children.includes(entity));
  document.title = `netvigil — ${about.name}`;
  document.getElementById("title").textContent = about.name;
  const facts = document.getElementById("facts");
  fact(facts, "identifier", about.entity);
  fact(facts, "type", type === "network" ? "network (autonomous system)" : "region (ISO 3166-2)");
  if (type === "network") fact(facts, "kind", about.kind ? badge(about.kind, `kind-${about.kind}`) : "not known (not in the operator table)");
  fact(facts, "part of", parent ? link(parent) : "—");
  fact(facts, "shown", `${fmtTime(sig.since)} to ${fmtTime(sig.until)}`);
  const series = sig.series.map((s) => ({ name: s.signal, times: s.times, values: s.values }));
  const t0 = Date.parse(sig.since) / 1000, t1 = Date.parse(sig.until) / 1000;
  const shades = events.events.map((e) => ({
    id: e.id, start: Date.parse(e.start) / 1000, end: e.end ? Date.parse(e.end) / 1000 : null, label: kindTitle(e.kind),
  }));
  if (series.length) {
    drawChart(document.getElementById("chart"), { series, shades, t0, t1, yMax: 150, yLabel: "% of ordinary" });
    legend(document.getElementById("legend"), series);
    nameChart(document.getElementById("chart"), `${about.name}: ${series.map((s) => s.name).join(", ")} as % of ordinary, ${fmtTime(sig.since)} to ${fmtTime(sig.until)}`);
  } else {
    fill("chart", h("p", { class: "empty", text: `No signals stored for ${about.name}. Ingest a signal file for ${entity} (netvigil ingest) or start monitoring it (netvigil monitor) and this chart fills in.` }));
  }
  document.getElementById("csv").href = `/api/v1/signals?entity=${encodeURIComponent(entity)}&${viewParams()}&format=csv`;
  fill("events", events.events.length ? h("div", { class: "scroll" }, eventTable(events.events)) : h("p", { class: "empty", text: "No events in this window." }));
  fill("wider", wider.length ? h("div", { class: "scroll" }, eventTable(wider)) : h("p", { class: "empty", text: `No event of ${parent ? parent.name : "its country"} names ${about.name} as a part.` }));
  document.getElementById("children-title").textContent = type === "network" ? "Country" : "Local places in it";
  fill("children", type === "network" ? entityList(parent ? [parent] : [], "Country not known.") : entityList(about.children, "No local places declared (netvigil entities add)."));
  fill("services", entityList(about.services || [], "No service tests stored for this place."));
}

main().catch((err) => { document.getElementById("title").textContent = `Could not load: ${err.message}`; });
