// The country page's "shutdown in order": the steps the API tells (GET /api/v1/countries/CC/shutdown)
// for the page's window, each linked to its event. The card stays hidden when there are fewer than
// two steps: one event alone is already in the events table.
import { api, fmtTime, h } from "./common.js";

const STAGE_LABELS = {
  place_services: "services in a city",
  country_services: "services country-wide",
  networks: "networks",
  national: "national",
  restored: "restored",
};

function windowQuery() {
  const p = new URL(location.href).searchParams;
  const q = new URLSearchParams();
  for (const key of ["from", "until"]) if (p.get(key)) q.set(key, p.get(key));
  return q;
}

function stepItem(step) {
  return h("li", { "data-stage": step.stage },
    h("time", { datetime: step.time, text: fmtTime(step.time) }), " ",
    h("span", { class: "muted", text: `${STAGE_LABELS[step.stage] || step.stage}: ` }),
    h("a", { href: `/events/${encodeURIComponent(step.event)}`, text: step.what }));
}

export async function showShutdownOrder(country, card) {
  const body = await api(`/api/v1/countries/${country}/shutdown?${windowQuery()}`);
  const list = card.querySelector("ol");
  list.textContent = "";
  list.append(...body.steps.map(stepItem));
  card.hidden = body.steps.length < 2;
}

const card = document.getElementById("shutdown-order");
if (card) {
  const country = location.pathname.split("/").filter(Boolean)[1].toUpperCase();
  showShutdownOrder(country, card).catch(() => { card.hidden = true; });
}
