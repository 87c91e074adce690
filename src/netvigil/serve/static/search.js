// The search page (and the not-found page): entities by any name people use, each linked to its page.
import { api, h, wireChrome } from "./common.js";

const TYPES = { country: "country", region: "region", asn: "network", service: "service", local: "local place" };

function result(e) {
  const name = e.page ? h("a", { href: e.page }, e.name) : e.name;
  return h("li", { "data-entity": e.entity }, name, h("span", { class: "muted", text: ` — ${TYPES[e.type] || e.type}${e.kind ? `, ${e.kind}` : ""}, ${e.entity}${e.parent ? `, in ${e.parent}` : ""}` }));
}

async function show(q) {
  const box = document.getElementById("results");
  box.textContent = "";
  const found = await api(`/api/v1/entities?q=${encodeURIComponent(q)}&limit=50`);
  if (!found.entities.length) {
    box.append(h("p", { class: "empty", text: `Nothing is called “${q}”. Try the English name, a code (KZ, KZ-75), an operator or an AS number.` }));
    return;
  }
  box.append(h("p", { class: "muted", text: `${found.entities.length} found for “${q}”` }), h("ol", { class: "entity-list" }, ...found.entities.map(result)));
}

async function main() {
  wireChrome();
  const form = document.getElementById("find");
  const q = new URL(location.href).searchParams.get("q");
  if (location.pathname === "/search" && q) {
    form.q.value = q;
    await show(q);
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = form.q.value.trim();
    if (!text) return;
    history.replaceState(null, "", `/search?q=${encodeURIComponent(text)}`);
    await show(text);
  });
}

main().catch((err) => { document.getElementById("results").textContent = `Could not search: ${err.message}`; });
