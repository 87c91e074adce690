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

// "16:35 local" (with the day when it differs from the UTC day) in an IANA zone; "" without a zone.
export function fmtLocal(iso, timeZone) {
  if (!iso || !timeZone) return "";
  const at = new Date(iso);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(at).map((p) => [p.type, p.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return `${day === at.toISOString().slice(0, 10) ? "" : `${day} `}${parts.hour}:${parts.minute} local`;
}

// A time in UTC with the country's local time beside it when its zone is known.
export function fmtTimeBoth(iso, timeZone) {
  const local = fmtLocal(iso, timeZone);
  return local ? `${fmtTime(iso)} (${local})` : fmtTime(iso);
}

// "4 d 18 h", "6 h 25 min", "35 min": how long from start to end (or to now when ongoing).
export function fmtDuration(startIso, endIso) {
  if (!startIso) return "—";
  const end = endIso ? Date.parse(endIso) : Date.now();
  const minutes = Math.max(0, Math.round((end - Date.parse(startIso)) / 60000));
  const d = Math.floor(minutes / 1440), hrs = Math.floor((minutes % 1440) / 60), min = minutes % 60;
  if (d) return hrs ? `${d} d ${hrs} h` : `${d} d`;
  if (hrs) return min ? `${hrs} h ${min} min` : `${hrs} h`;
  return `${min} min`;
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
  const embed = document.getElementById("embed");
  if (embed) embed.value = embedSnippet(document.title);
}

// The view in an iframe: the same address with embed=1 (only the chart and its legend are shown).
export function embedSnippet(title) {
  const url = new URL(location.href);
  url.searchParams.set("embed", "1");
  const safe = title.replace(/[<>&"]/g, "");
  return `<iframe src="${url.href.replace(/"/g, "%22")}" title="${safe}" width="100%" height="520" style="border:0" loading="lazy"></iframe>`;
}

// An embedded view (?embed=1) hides everything but the chart card (style.css, html.embed).
export function applyEmbed() {
  if (new URL(location.href).searchParams.get("embed") === "1") document.documentElement.classList.add("embed");
}

// Whether the view follows the newest data (no fixed end or moment in the address).
export function isLive() {
  const p = new URL(location.href).searchParams;
  return !p.get("until") && !p.get("at");
}

// Reload what is live every ``seconds`` while the page is visible, and say when it last did.
export function autoRefresh(reload, seconds = 60) {
  const status = document.getElementById("refreshed");
  const stamp = () => {
    if (!status) return;
    const now = new Date().toISOString().slice(11, 16);
    status.textContent = isLive() ? `Updated ${now} UTC; refreshes every ${seconds / 60} min while open.` : "A fixed view: not refreshed (clear the range to follow live data).";
  };
  stamp();
  setInterval(async () => {
    if (document.hidden || !isLive()) return;
    try { await reload(); stamp(); } catch (err) { if (status) status.textContent = `Refresh failed: ${err.message}; will try again.`; }
  }, seconds * 1000);
}

export function wireChrome() {
  applyEmbed();
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
  const copyEmbed = document.getElementById("copy-embed");
  if (copyEmbed) copyEmbed.addEventListener("click", () => { showShare(); const box = document.getElementById("embed"); box.select(); navigator.clipboard?.writeText(box.value).catch(() => {}); });
  showShare();
}

// A table cell that names its column (shown before the value when a phone stacks the row).
export function cell(label, attrs, ...children) {
  return h("td", { "data-label": label, ...attrs }, ...children);
}

export function eventRow(e, timeZone) {
  return h("tr", { "data-event": e.id },
    cell("severity", {}, badge(e.severity, e.severity)),
    cell("event", {}, h("a", { href: `/event/${e.id}` }, `${kindTitle(e.kind)} — ${e.entity_name}`)),
    cell("scope", { text: e.scope }),
    cell("level", { class: "num", text: fmtPct(e.level) }),
    cell("start", { text: fmtTimeBoth(e.start, timeZone) }),
    cell("end", { text: e.ongoing ? "ongoing" : fmtTimeBoth(e.end, timeZone) }),
    cell("duration", { class: "num", text: `${fmtDuration(e.start, e.end)}${e.ongoing ? " so far" : ""}` }));
}

// Events as a table; ``empty`` says what to do when there are none; ``timeZone`` adds local times.
export function eventTable(events, timeZone, empty = "No events in this view: widen the range above, or look at another moment.") {
  if (!events.length) return h("p", { class: "empty", text: empty });
  const head = h("tr", {}, ...["severity", "event", "scope", "level", "start", "end", "duration"].map((t) => h("th", { class: t === "level" || t === "duration" ? "num" : "", text: t })));
  return h("table", { class: "stack" }, h("thead", {}, head), h("tbody", {}, ...events.map((e) => eventRow(e, timeZone))));
}

// Say where a chart's data comes from (and whether it is synthetic) under it and on its downloads:
// fills spec.source and spec.synthetic from /api/v1/sources; spec.ready settles when they are known.
export function sourceLine(entity, range, spec, box) {
  spec.ready = api(`/api/v1/sources?entity=${encodeURIComponent(entity)}&${range}`).then((found) => {
    const bySignal = new Map();
    for (const s of found.sources) bySignal.set(s.signal, [...(bySignal.get(s.signal) || []), s.source]);
    const parts = [...bySignal].map(([signal, sources]) => `${signal} (${sources.join(", ")})`);
    spec.source = `netvigil${parts.length ? `; signals: ${parts.join("; ")}` : ""}`;
    spec.synthetic = found.synthetic;
    box.textContent = `Data: ${spec.source}.`;
    if (found.synthetic) box.prepend(badge("SYNTHETIC", "synthetic"), ` ${found.synthetic}. `);
  }).catch((err) => { box.textContent = `Data sources unknown (${err.message}).`; });
  return spec.ready;
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
