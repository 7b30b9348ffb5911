// mkwrite play: the page asks the binary for everything it shows (/api/...), which replays
// the path through the model. The position lives in the URL: #LEVEL/F0.F0.W0 .
"use strict";

const $ = (id) => document.getElementById(id);
let levels = [];
let level = null;      // the current level's id
let path = [];         // thread names, one per step taken
let script = null;     // a counterexample being shown: thread names
let view = null;       // the last /api/view answer

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

async function api(what, params) {
  const q = new URLSearchParams(Object.assign({ level }, params || {}));
  const r = await fetch(`/api/${what}?${q}`);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

// A search the server runs as a job: while it answers "pending" (HTTP 202, the states found so
// far), say so and ask again; a search the state budget stopped comes back "incomplete" with
// a message to show. Returns the answer, or null when the level changed meanwhile.
async function search(what, params) {
  const asked = level;
  for (;;) {
    const body = await api(what, params);
    if (level !== asked) return null;
    if (!body || !body.pending) { notice(""); return body; }
    notice(body.message);
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}

function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text || "";
}

function solved() {
  try { return JSON.parse(localStorage.getItem("mkwrite-solved") || "[]"); } catch (e) { return []; }
}

function markSolved(id) {
  const s = solved();
  if (!s.includes(id)) { s.push(id); localStorage.setItem("mkwrite-solved", JSON.stringify(s)); }
}

function readHash() {
  const h = decodeURIComponent(location.hash.replace(/^#/, ""));
  const [lv, p] = h.split("/");
  if (lv && levels.some((l) => l.id === lv)) level = lv;
  path = p ? p.split(".").filter((x) => x) : [];
}

function writeHash() {
  history.replaceState(null, "", `#${level}/${path.join(".")}`);
}

function renderLevels() {
  const ul = $("level-list");
  ul.replaceChildren();
  const done = solved();
  for (const l of levels) {
    const li = el("li", { "data-level": l.id, onclick: () => go(l.id, []) }, l.title);
    if (l.id === level) li.classList.add("current");
    if (done.includes(l.id)) li.classList.add("solved");
    ul.append(li);
  }
}

async function loadViolations() {
  const sel = $("showme-inv");
  sel.replaceChildren();
  sel.append(el("option", { value: "" }, "checking this configuration..."));
  $("showme").disabled = true;
  let vs;
  try {
    vs = await search("violations");
  } catch (e) {
    notice(`The checker could not answer: ${e.message}`);
    return;
  }
  if (vs === null) return;
  sel.replaceChildren();
  if (!Array.isArray(vs)) {
    // The state budget stopped the search: no verdict, but the board still plays.
    notice(vs.message || "The checker gave no verdict for this configuration.");
    sel.append(el("option", { value: "" }, "no verdict: the configuration is too large"));
    return;
  }
  for (const v of vs) sel.append(el("option", { value: v.id }, `${v.id} ${v.name} (${v.steps} steps)`));
  if (!vs.length) sel.append(el("option", { value: "" }, "no invariant is violated here"));
  const lv = levels.find((l) => l.id === level);
  if (lv && lv.target) sel.value = lv.target.id;
  $("showme").disabled = !vs.length;
}

async function go(lv, p) {
  const changed = lv !== level;
  level = lv;
  path = p;
  script = null;
  // The board first: the verdicts may take a while on a large configuration.
  await refresh();
  if (changed) await loadViolations();
}

async function refresh() {
  writeHash();
  $("error").hidden = true;
  try {
    view = await api("view", { path: path.join(".") });
  } catch (e) {
    $("error").hidden = false;
    $("error").textContent = `This position cannot be reached: ${e.message}`;
    return;
  }
  render();
}

function render() {
  const v = view;
  const lv = v.level;
  $("config").textContent = `${lv.label}   |   ${lv.filesystem}`;
  $("goal").replaceChildren();
  if (lv.target) {
    $("goal").append(el("b", {}, "Goal: "), lv.goal);
  } else {
    $("goal").append(el("b", {}, "Free play: "), "take steps in any order and watch the invariants.");
  }
  renderLevels();
  // The banner: the first invariant broken along the path.
  const broken = v.invariants.filter((i) => i.broke_at);
  const banner = $("banner");
  banner.className = "";
  if (v.solved) {
    markSolved(lv.id);
    renderLevels();
  }
  const first = broken.sort((a, b) => a.broke_at - b.broke_at)[0];
  if (first) {
    banner.hidden = false;
    banner.textContent = `${first.id} (${first.name}) broke at step ${first.broke_at}: ${first.meaning}.` +
      (v.solved ? "  Level solved." : "");
    if (v.solved) banner.classList.add("solved");
  } else {
    banner.hidden = true;
  }
  // One column per thread.
  const box = $("threads");
  box.replaceChildren();
  const next = script && script.length > path.length ? script[path.length] : null;
  for (const t of v.threads) {
    const col = el("div", { class: "thread", "data-thread": t.name });
    if (v.lock === t.name) col.classList.add("holds-lock");
    if (next === t.name) col.classList.add("scripted");
    col.append(el("h3", {}, t.name));
    if (t.next) {
      col.append(el("div", { class: "fn" }, `${t.next.function} ${t.next.id}`));
      col.append(el("div", { class: "anchor" }, t.next.anchor));
      col.append(el("div", { class: "what" }, t.next.what));
    }
    if (t.runnable) {
      col.append(el("button", { "data-step": t.name, onclick: () => takeStep(t.name) }, `Run ${t.name}`));
    } else if (t.finished) {
      col.append(el("div", { class: "done" }, t.why || "finished"));
    } else {
      col.append(el("div", { class: "why" }, t.why || "cannot run"));
    }
    box.append(col);
  }
  // The state, with what the last step changed.
  const lock = $("lock");
  lock.textContent = v.lock === "-" ? "page unlocked" : `page locked by ${v.lock}`;
  lock.className = v.lock === "-" ? "" : "held";
  const st = $("state");
  st.replaceChildren();
  for (const f of v.fields) {
    const tr = el("tr", { "data-field": f.name }, el("td", {}, f.name), el("td", {}, f.value));
    if (f.changed) tr.classList.add("changed");
    st.append(tr);
  }
  // Invariants, live.
  const inv = $("invariants");
  inv.replaceChildren();
  for (const i of v.invariants) {
    const li = el("li", { "data-inv": i.id, title: i.meaning },
      el("span", { class: "mark" }, i.holds ? "\u2713" : "\u2717"), `${i.id} ${i.name}`);
    if (!i.holds) li.classList.add("broken");
    if (i.broke_at) li.append(` (broke at step ${i.broke_at})`);
    inv.append(li);
  }
  // The steps taken; clicking one goes back to it.
  const hist = $("history");
  hist.replaceChildren();
  for (const s of v.steps) {
    const li = el("li", { "data-n": s.n, onclick: () => { path = path.slice(0, s.n); refresh(); } },
      `${s.thread} ${s.function} ${s.id}: ${s.what}`, el("br"),
      el("span", { class: "chg" }, s.changes.length ? "=> " + s.changes.join(", ") : "=> no field changes"));
    if (s.broke.length) {
      li.classList.add("breaks");
      li.append(el("br"), `>> ${s.broke.map((b) => b.id).join(", ")} breaks here`);
    }
    hist.append(li);
  }
  hist.scrollTop = hist.scrollHeight;
  $("undo").disabled = path.length === 0;
  $("script-next").hidden = !(script && script.length > path.length && script.slice(0, path.length).join() === path.join());
}

async function takeStep(name) {
  if (script && script[path.length] !== name) script = null;
  path.push(name);
  $("against-result").hidden = true;
  await refresh();
}

$("undo").addEventListener("click", () => { path.pop(); $("against-result").hidden = true; refresh(); });
$("reset").addEventListener("click", () => { path = []; script = null; $("against-result").hidden = true; refresh(); });
$("link").addEventListener("click", async () => {
  writeHash();
  try { await navigator.clipboard.writeText(location.href); } catch (e) { /* the URL bar has it */ }
  $("link").textContent = "Link in the address bar";
});
$("showme").addEventListener("click", async () => {
  const inv = $("showme-inv").value;
  if (!inv) return;
  let r;
  try {
    r = await search("shortest", { inv });
  } catch (e) {
    notice(e.message);
    return;
  }
  if (!r) return;
  script = r.path;
  path = [];
  $("against-result").hidden = true;
  await refresh();
});
$("script-next").addEventListener("click", () => { if (script) takeStep(script[path.length]); });
$("against").addEventListener("click", async () => {
  const r = await api("against", { path: path.join(".") });
  const box = $("against-result");
  box.hidden = false;
  if (r.blocked) {
    box.textContent = `Against ${r.label}: the fix blocks this path at step ${r.blocked.n}: ` +
      `${r.blocked.thread} cannot take ${r.blocked.id} (${r.blocked.function}): ${r.blocked.why}.`;
  } else {
    box.textContent = `Against ${r.label}: all ${r.total} steps run through; ` +
      (r.violated.length ? `violated at the end: ${r.violated.join(", ")}.` : "no invariant is violated at the end.");
  }
});
window.addEventListener("hashchange", async () => {
  const before = level;
  readHash();
  await refresh();
  if (level !== before) await loadViolations();
});

(async function start() {
  levels = await (await fetch("/api/levels")).json();
  level = levels[0].id;
  readHash();
  await refresh();
  await loadViolations();
})();
