import { api, badge, eventTable, fmtPct, fmtTime, h, kindTitle, wireChrome } from "./common.js";

async function main() {
  wireChrome();
  const at = new URL(location.href).searchParams.get("at");
  const query = at ? `?at=${encodeURIComponent(at)}` : "";
  const body = await api(`/api/v1/summary${query}`);
  document.getElementById("at").textContent = `As of ${fmtTime(body.at)} (the newest data in this store). Add ?at=TIME to the address to look at another moment.`;
  document.getElementById("disrupted-csv").href = `/api/v1/summary?format=csv${at ? `&at=${encodeURIComponent(at)}` : ""}`;
  const list = document.getElementById("disrupted");
  if (!body.disrupted.length) list.replaceWith(h("p", { class: "empty", text: "Nothing is disrupted at this moment." }));
  for (const e of body.disrupted) {
    const country = e.entity.startsWith("country:") ? e.entity.slice(8) : null;
    const place = country ? h("a", { href: `/country/${country}` }, e.entity_name) : e.entity_name;
    list.append(h("li", { "data-event": e.id }, badge(e.severity, e.severity), " ", h("a", { href: `/event/${e.id}` }, kindTitle(e.kind)),
      " in ", place, ` (${e.scope}) at ${fmtPct(e.level)} of ordinary since ${fmtTime(e.start)}`));
  }
  document.getElementById("latest").append(eventTable(body.latest));
}

main().catch((err) => { document.getElementById("at").textContent = `Could not load: ${err.message}`; });
