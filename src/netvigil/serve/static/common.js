// Helpers every page shares: API access, formatting, the share link and the search box.
export async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

export function fmtTime(iso) {
  if (!iso) return "—";
  return iso.replace("T", " ").replace(/:00Z$/, " UTC").replace(/Z$/, " UTC");
}

export function fmtPct(v) {
  return v === null || v === undefined ? "—" : `${Number(v).toFixed(1)} %`;
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function badge(text, cls) {
  return h("span", { class: `badge ${cls}`, text });
}

export function kindTitle(kind) {
  return kind.replace("_", " ").replace(/^./, (c) => c.toUpperCase());
}

// The URL holds the view: update it without reloading, and show it as the share link.
export function setView(params) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") url.searchParams.delete(k); else url.searchParams.set(k, v);
  }
  history.replaceState(null, "", url);
  showShare();
}

export function showShare() {
  const box = document.getElementById("share");
  if (box) box.value = location.href;
}

export function wireChrome() {
  const form = document.getElementById("search");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = form.q.value.trim();
    if (!q) return;
    location.href = `/search?q=${encodeURIComponent(q)}`;
  });
  addPageLinks(form);
  const copy = document.getElementById("copy-share");
  if (copy) copy.addEventListener("click", () => { showShare(); document.getElementById("share").select(); navigator.clipboard?.writeText(location.href).catch(() => {}); });
  showShare();
}

export function eventRow(e) {
  return h("tr", { "data-event": e.id },
    h("td", {}, badge(e.severity, e.severity)),
    h("td", {}, h("a", { href: `/event/${e.id}` }, `${kindTitle(e.kind)} — ${e.entity_name}`)),
    h("td", { text: e.scope }),
    h("td", { class: "num", text: fmtPct(e.level) }),
    h("td", { text: fmtTime(e.start) }),
    h("td", { text: e.ongoing ? "ongoing" : fmtTime(e.end) }));
}

export function eventTable(events) {
  if (!events.length) return h("p", { class: "empty", text: "No events." });
  const head = h("tr", {}, ...["", "event", "scope", "level", "start", "end"].map((t) => h("th", { text: t })));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...events.map(eventRow)));
}

// The map and search pages, linked from every page's header (pages part of issue 15).
function addPageLinks(form) {
  if (document.querySelector("header.top nav")) return;
  const nav = h("nav", { class: "pages-nav" }, h("a", { href: "/map" }, "Map"), " ", h("a", { href: "/search" }, "Search"));
  form.before(nav);
}

// The dashboard page of an entity key (country, region, network), or null.
export function entityPage(key) {
  const [type, code] = key.split(":");
  return { country: `/country/${code}`, region: `/region/${code}`, asn: `/network/${code}` }[type] || null;
}
