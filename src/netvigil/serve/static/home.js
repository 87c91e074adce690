import { drawBars, downloadPng } from "./chart.js";
import { api, badge, eventTable, fmtPct, fmtTime, h, kindTitle, wireChrome } from "./common.js";

const SEVERITY = { severe: "#b3261e", major: "#d9822b", minor: "#c9a227" };

async function main() {
  wireChrome();
  const at = new URL(location.href).searchParams.get("at");
  const query = at ? `?at=${encodeURIComponent(at)}` : "";
  const body = await api(`/api/v1/summary${query}`);
  const why = at ? "the moment in the address" : "the newest data in this store; add ?at=TIME to the address for another moment";
  document.getElementById("at").textContent = `As of ${fmtTime(body.at)} (${why}).`;
  document.getElementById("disrupted-csv").href = `/api/v1/summary?format=csv${at ? `&at=${encodeURIComponent(at)}` : ""}`;
  const list = document.getElementById("disrupted");
  if (!body.disrupted.length) list.replaceWith(h("p", { class: "empty", text: "Nothing is disrupted at this moment." }));
  for (const e of body.disrupted) {
    const country = e.entity.startsWith("country:") ? e.entity.slice(8) : null;
    const place = country ? h("a", { href: `/country/${country}` }, e.entity_name) : e.entity_name;
    list.append(h("li", { "data-event": e.id }, badge(e.severity, e.severity), " ", h("a", { href: `/event/${e.id}` }, kindTitle(e.kind)),
      " in ", place, ` (${e.scope}) at ${fmtPct(e.level)} of ordinary${e.national_level != null ? ` (national ${fmtPct(e.national_level)})` : ""} since ${fmtTime(e.start)}`));
  }
  document.getElementById("latest").append(eventTable(body.latest));
  const shown = body.disrupted.length ? body.disrupted : body.latest;
  const title = body.disrupted.length ? "Connectivity now, % of ordinary" : "Lowest level of the latest events, % of ordinary";
  const bars = shown.slice(0, 15).map((e) => ({ id: e.id, label: `${e.entity_name} — ${kindTitle(e.kind)}`, value: e.level, color: SEVERITY[e.severity] }));
  drawBars(document.getElementById("bars"), bars, title);
  document.getElementById("png").addEventListener("click", () => downloadPng(document.querySelector("#bars svg"), "netvigil-disrupted.png"));
}

main().catch((err) => { document.getElementById("at").textContent = `Could not load: ${err.message}`; });
