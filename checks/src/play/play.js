// mkwrite play: the page asks the binary for everything it shows (/api/...), which replays
// the path through the model and asks stateright what only a search can answer. The position
// lives in the URL: #LEVEL/F0.F0.W0 .
"use strict";

const $ = (id) => document.getElementById(id);
let levels = [];
let level = null;      // the current level's id
let path = [];         // thread names, one per step taken
let redo = [];         // steps taken back (undo, restart, an earlier step), next first
let script = null;     // a counterexample being shown: thread names from the start
let view = null;       // the last /api/view answer
let reach = null;      // what the checker says of the current position, when asked
let hintOpen = false;  // the hint was asked for at this position
let seq = 0;           // the latest refresh; older answers are dropped
let focusAfter = null; // what gets the focus after the next render
let linkError = "";    // what was wrong with the link that was opened, until the next move
const memory = {};     // each level's steps, kept while another level is played
let foldOpen = false;  // the invariants that hold are unfolded

// The page's only picture: a padlock, drawn inline (no font needed).
const LOCK_SVG = '<svg class="padlock" viewBox="0 0 12 14" width="11" height="13" aria-hidden="true">' +
  '<rect x="1" y="6" width="10" height="8" rx="1.5" fill="currentColor"></rect>' +
  '<path d="M3.5 6V4.2a2.5 2.5 0 0 1 5 0V6" fill="none" stroke="currentColor" stroke-width="1.6"></path></svg>';

// What each state field means (docs/traces.md has the same table).
const FIELD_MEANING = {
  "page.locked": "who holds the page lock; - means unlocked",
  "page.dirty": "PG_dirty: the page holds data newer than the disk",
  "page.writeback": "PG_writeback: a write of the page is in flight",
  "page.tag_dirty": "the page cache's dirty tag, which writeback looks pages up by",
  "page.mapping": "file while the page is in the page cache; NULL once truncate removed it",
  "page.ref": "the page count: the page cache's reference, one per pte, one per get_page a thread holds",
  "pte0": "F0's pte: ro present read-only, none not present, write+dirty writable (the hardware set its dirty bit)",
  "pte1": "F1's pte", "pte2": "F2's pte",
  "i_size": "covers while the file covers the page, 0 after truncate, block0 inside the page",
  "i_mmap_lock": "who holds the lock over the file's mappings",
  "AS_ENOSPC": "a failed write recorded for the next fsync",
  "fs.full": "the filesystem is out of space (--enospc)",
  "fs.meta": "the filesystem's per-page metadata: dirty (tracked: writeback will write it) or clean (written, forgotten)",
  "NR_FILE_DIRTY": "the global count of dirty pages, as far as this page is concerned",
  "data.stored": "the last value the user stored (v0 is the file's old contents, v1 the store)",
  "data.mem": "what the page holds",
  "data.disk": "what is on disk (for fb_defio: what the display shows)",
  "data.io": "what is in flight to the disk",
  "fsync": "what the final fsync returned",
  "bh": "the page's buffer_heads: attached or none",
  "block0": "block 0 of the page: a real extent, delalloc (reserved) or a hole; +dirty while its buffer is dirty",
  "block1": "block 1 of the page, as block 0",
  "nfs.req": "the page's NFS write request: none, dirty (to send), writing (sent), unstable (written, awaiting COMMIT), committing",
  "server.unstable": "the version the server holds but has not committed to stable storage",
  "I_DIRTY_DATASYNC": "the inode needs a COMMIT (->write_inode) after the writeback pass",
  "btrfs.delalloc": "the page's delalloc range: no, reserved (paid for) or unreserved",
  "btrfs.ordered": "an ordered extent covers the page (its write is under way)",
  "PageChecked": "btrfs: a fixup of the page is queued (writepage found it dirty with nothing to write)",
  "btrfs.fixup_queued": "writepage queued the fixup worker (X0) for this page",
  "btrfs.pool": "the inode's data space reservation left, in pages",
  "defio.listed": "the page is on fb_defio's list of pages to copy to the display",
  "defio.mkcleaned": "this pass of the deferred work has write-protected the page",
  "defio.pending": "the deferred work is scheduled",
  "defio.mutex": "fbdefio->lock: held or free",
  "ext4.block": "ext4: the block behind the page: a hole, delayed (reserved) or allocated",
  "buffers": "the folio has buffer_heads attached",
  "sb.frozen": "how far the freeze (Z0) has gone: no, WRITE (write(2) and truncate wait), PAGEFAULT (->page_mkwrite waits too), COMPLETE (frozen)",
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// A sentence of the model's in which a ->name stays on one line.
function rich(text) {
  const f = document.createDocumentFragment();
  String(text || "").split(/(->[A-Za-z_]+)/).forEach((part, k) => {
    if (part) f.append(k % 2 ? el("span", { class: "nw" }, part) : part);
  });
  return f;
}

// A function name or step id, in the code font: a ->name in it stays on one line, and a long
// name may break after an underscore (not in the middle of a word).
function fn(text) {
  const f = document.createDocumentFragment();
  String(text || "").split(/(->[A-Za-z_]+)/).forEach((part, k) => {
    if (!part) return;
    if (k % 2) { f.append(el("span", { class: "nw" }, part)); return; }
    part.split(/(?<=_)/).forEach((piece, j) => {
      if (j) f.append(el("wbr"));
      f.append(piece);
    });
  });
  return el("span", { class: "fn" }, f);
}

async function api(what, params) {
  const q = new URLSearchParams(Object.assign({ level }, params || {}));
  const r = await fetch(`/api/${what}?${q}`);
  const body = await r.json();
  if (!r.ok) {
    const e = new Error(body.error || r.statusText);
    e.body = body;
    throw e;
  }
  return body;
}

// A search the server runs as a job: while it answers "pending" (HTTP 202, the states found so
// far), say so and ask again; a search the state budget stopped comes back "incomplete" with
// a message to show. Returns the answer, or null when the page moved on meanwhile.
async function search(what, params, quiet) {
  const asked = level, mine = seq;
  for (;;) {
    const body = await api(what, params);
    if (level !== asked || (quiet && seq !== mine)) return null;
    if (!body || !body.pending) { if (!quiet) notice(""); return body; }
    if (!quiet) notice(body.message);
    await new Promise((ok) => setTimeout(ok, quiet ? 400 : 1000));
  }
}

function notice(text) {
  $("notice").hidden = !text;
  $("notice").textContent = text || "";
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

function solved() {
  try { return JSON.parse(localStorage.getItem("mkwrite-solved") || "[]"); } catch (e) { return []; }
}

function markSolved(id) {
  const s = solved();
  if (!s.includes(id)) {
    s.push(id);
    try { localStorage.setItem("mkwrite-solved", JSON.stringify(s)); } catch (e) { /* private mode */ }
  }
}

const levelInfo = (id) => levels.find((l) => l.id === id);
const baseOf = (id) => (id && id.endsWith("-fix") ? id.slice(0, -4) : id);
const known = (id) => !!levelInfo(baseOf(id)) && (!id.endsWith("-fix") || !!(levelInfo(baseOf(id)).fix || {}).id);

// The level and path a link names; an error sentence when it names no level.
function parseHash() {
  const h = decodeURIComponent(location.hash.replace(/^#/, ""));
  if (!h) return { level: levels[0].id, path: [] };
  const slash = h.indexOf("/");
  const lv = slash < 0 ? h : h.slice(0, slash);
  const p = slash < 0 ? [] : h.slice(slash + 1).split(".").filter((x) => x);
  if (known(lv)) return { level: lv, path: p };
  const near = levels.find((l) => l.id.toLowerCase() === baseOf(lv).toLowerCase());
  if (near) {
    return { level: near.id + (lv.toLowerCase().endsWith("-fix") ? "-fix" : ""), path: p,
      error: `The link names level "${lv}", which does not exist; level names are case-sensitive: showing ${near.id}.` };
  }
  return { level: levels[0].id, path: [],
    error: `The link names no level "${lv}" (the levels are ${levels.map((l) => l.id).join(", ")}): showing ${levels[0].id} instead.` };
}

function writeHash() {
  const h = `#${level}/${path.join(".")}`;
  if (location.hash !== h) history.replaceState(null, "", h);
}

function renderLevels() {
  const ul = $("level-list");
  const sel = $("level-select");
  ul.replaceChildren();
  sel.replaceChildren();
  const done = solved();
  const current = baseOf(level);
  for (const l of levels) {
    const mark = done.includes(l.id) ? "\u2713 " : "";
    const b = el("button", { class: "level", "data-level": l.id, "aria-current": l.id === current ? "true" : null,
      onclick: () => { focusAfter = { css: `#level-list button[data-level="${l.id}"]` }; switchLevel(l.id); } }, l.title);
    const li = el("li", { "data-level": l.id }, b);
    if (l.id === current) li.classList.add("current");
    if (done.includes(l.id)) li.classList.add("solved");
    ul.append(li);
    sel.append(el("option", { value: l.id, selected: l.id === current }, mark + l.title));
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
  if (!Array.isArray(vs.violated)) {
    // The state budget stopped the search: no verdict, but the board still plays.
    notice(vs.message || "The checker gave no verdict for this configuration.");
    sel.append(el("option", { value: "" }, "no verdict: the configuration is too large"));
    return;
  }
  const list = vs.violated;
  for (const v of list) sel.append(el("option", { value: v.id }, `${v.id} ${v.name} (${v.steps} steps)`));
  if (!list.length) sel.append(el("option", { value: "" }, "no invariant is violated here"));
  const lv = view && view.level;
  if (lv && lv.target && list.some((v) => v.id === lv.target.id)) sel.value = lv.target.id;
  $("showme").disabled = !list.length;
}

// Keep this level's steps while another is played.
function remember() {
  if (level) memory[level] = { path: path.slice(), redo: redo.slice(), script };
}

async function switchLevel(id, p) {
  remember();
  const m = memory[id];
  await go(id, p || (m ? m.path : []), p ? [] : (m ? m.redo : []), p ? null : (m ? m.script : null));
}

async function go(lv, p, r, s) {
  const changed = lv !== level;
  if (changed) remember();
  level = lv;
  path = p.slice();
  redo = (r || []).slice();
  script = s || null;
  $("against-result").hidden = true;
  $("confirm").hidden = true;
  linkError = "";
  showError("");
  await refresh();
  if (changed) await loadViolations();
}

// Ask for the view of the current position and show it; a position that cannot be reached is
// said, and the longest part of it that can is shown instead.
async function refresh() {
  const mine = ++seq;
  writeHash();
  reach = null;
  hintOpen = false;
  let v;
  try {
    v = await api("view", { path: path.join(".") });
  } catch (e) {
    if (mine !== seq) return;
    if (e.body && typeof e.body.valid === "number" && e.body.valid < path.length) {
      linkError = [linkError, `This link's position cannot be reached: ${e.message}. Showing the position after its first ${e.body.valid} step${e.body.valid === 1 ? "" : "s"}.`].filter((x) => x).join(" ");
      showError(linkError);
      path = path.slice(0, e.body.valid);
      redo = [];
      script = null;
      return refresh();
    }
    showError(`This position cannot be shown: ${e.message}`);
    $("threads").replaceChildren();
    return;
  }
  if (mine !== seq) return;
  view = v;
  showError(linkError);
  render();
  await checkReach(mine);
}

// Whether the level's invariant can still break from here: stateright searches every state
// reachable from this position (over the level's threads).
async function checkReach(mine) {
  const v = view;
  if (!v.level.target || v.solved) { renderStatus(); return; }
  renderStatus();
  let r;
  try {
    r = await search("reach", { path: path.join(".") }, true);
  } catch (e) {
    return;
  }
  if (!r || mine !== seq) return;
  reach = r;
  renderStatus();
}

function stepLine(s) {
  return el("span", {}, el("b", {}, s.thread), " ", fn(s.id), " ", fn(s.function));
}

function render() {
  const v = view;
  const lv = v.level;
  const info = levelInfo(baseOf(lv.id)) || lv;
  document.title = `mkwrite play: ${lv.title}`;
  document.body.dataset.position = `${lv.id}/${path.join(".")}`;
  // The header: the configuration and what its label says, the goal.
  const cfg = $("config");
  cfg.replaceChildren();
  const label = el("span", { class: "label" });
  lv.legend.forEach((t, k) => {
    if (k) label.append(" ");
    label.append(el("code", { title: t.meaning }, t.token));
  });
  cfg.append(label, el("span", { class: "fs" }, rich(" | " + lv.filesystem)));
  $("goal").replaceChildren();
  if (lv.target) {
    $("goal").append(el("b", {}, "Goal: "), rich(lv.goal),
      " ", el("span", { class: "target-chip" }, `break ${lv.target.id}`));
  } else {
    $("goal").append(el("b", {}, "Free play: "), "take steps in any order and watch the invariants.");
  }
  const fx = $("fixed-side");
  fx.hidden = !lv.fix_of;
  fx.replaceChildren();
  if (lv.fix_of) {
    fx.append("The fixed side of ", el("b", {}, lv.fix_of), ". ",
      el("button", { id: "back-to-level", onclick: () => { focusAfter = { id: "against" }; switchLevel(lv.fix_of); } }, `Back to ${lv.fix_of}`));
  }
  if (v.solved) markSolved(lv.id);
  renderLevels();
  renderBanner();
  renderThreads();
  renderState();
  renderInvariants();
  renderHistory();
  renderLegend();
  renderLastStep();
  $("undo").disabled = path.length === 0;
  $("redo").disabled = redo.length === 0;
  $("redo").textContent = redo.length ? `Redo (${redo.length}) \u2192` : "Redo \u2192";
  $("reset").disabled = path.length === 0;
  const following = script && script.length > path.length && script.slice(0, path.length).join() === path.join();
  $("script-next").hidden = !following;
  $("hint-button").hidden = !lv.target || !!info.guided;
  $("against").disabled = !!lv.fix_of;
  restoreFocus();
}

// The banner: the level's target (solved), or another invariant that broke on the way, in a
// quieter colour: only the target solves a level.
function renderBanner() {
  const v = view, lv = v.level;
  const banner = $("banner");
  banner.className = "";
  banner.replaceChildren();
  const target = lv.target && v.invariants.find((i) => i.id === lv.target.id);
  if (v.solved && target) {
    banner.classList.add("solved");
    banner.append(el("b", {}, "Solved: "), rich(`${target.id} (${target.name}) broke at step ${v.solved_at}: ${target.meaning}.`));
    const next = (levelInfo(baseOf(lv.id)) || {}).next;
    if (!lv.fix_of) {
      banner.append(" ", el("button", { id: "against-now", onclick: () => $("against").click() }, "Against the fix"));
    }
    if (next && !lv.fix_of) {
      banner.append(" ", el("button", { id: "next-level", onclick: () => { focusAfter = { css: "#threads button.run" }; switchLevel(next); } }, `Next level: ${levelInfo(next).title} \u2192`));
    }
  } else if (v.other_breaks.length) {
    const o = v.other_breaks[0];
    banner.classList.add("other");
    banner.append(rich(`${o.id} (${o.name}) broke at step ${o.at}: ${o.meaning}.`));
    if (lv.target) banner.append(el("span", { class: "aside" }, ` Not this level's goal: that is ${lv.target.id}. Keep going.`));
  } else {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
}

// The status line: lost (the target can no longer break from here), finished, and the hint.
function renderStatus() {
  const v = view, lv = v.level;
  const st = $("status");
  st.className = "";
  st.replaceChildren();
  const undoButton = (text) => el("button", { class: "undo-now", onclick: () => undo() }, text || "\u2190 Undo");
  const target = lv.target ? lv.target.id : null;
  if (v.over && !v.solved) {
    st.classList.add("finished");
    st.append(el("b", {}, "Finished: "), target
      ? `no thread can take another step, and ${target} held on this path.`
      : "no thread can take another step.");
    if (target) st.append(" ", undoButton(), " ", el("button", { class: "restart-now", onclick: () => restart() }, "Restart"));
  } else if (reach && reach.reachable === false) {
    st.classList.add("lost");
    st.append(el("b", {}, "Lost: "), `${target} can no longer break from here: it holds in every one of the ${reach.states} states reachable from this position (stateright searched them all).`);
    if (reach.never) {
      st.append(` It cannot break on ${lv.label} at all: stateright finds no way to it from the initial state either.`);
    }
    if (reach.lost_at) {
      const k = reach.lost_at;
      st.append(` It still could before step ${k.n} (${k.thread} ${k.id}, ${k.function}).`);
      st.append(" ", el("button", { class: "back-now", onclick: () => goBack(k.n - 1) }, `Back to step ${k.n - 1}`));
    }
    st.append(" ", undoButton());
  } else if (reach && reach.incomplete) {
    st.classList.add("unknown");
    st.append(reach.message);
  } else {
    st.hidden = true;
  }
  if (!st.classList.length) st.hidden = true; else st.hidden = false;
  renderHint();
}

function renderHint() {
  const v = view, lv = v.level;
  const info = levelInfo(baseOf(lv.id)) || {};
  const h = $("hint");
  h.replaceChildren();
  const bar = $("last-step");
  const old = bar.querySelector(".hint-line");
  if (old) old.remove();
  const show = lv.target && !v.solved && !v.over && (info.guided || hintOpen);
  if (!show) { h.hidden = true; return; }
  // On a narrow screen the hint is far above the threads: its gist goes in the bottom bar.
  if (reach && reach.next) {
    bar.append(el("div", { class: "hint-line" }, el("b", {}, "Hint: "), `run ${reach.next.thread} (`, fn(`${reach.next.id} ${reach.next.function}`), ")"));
  }
  h.hidden = false;
  if (!reach) { h.append(el("b", {}, "Hint: "), "asking the checker..."); return; }
  if (reach.reachable === false) {
    h.append(el("b", {}, "Hint: "), `from here ${lv.target.id} cannot break any more; go back (\u2190) to a position from which it can.`);
    return;
  }
  if (!reach.next) { h.hidden = true; return; }
  const n = reach.next;
  h.append(el("b", {}, "Hint: "), `run ${n.thread}: `, fn(`${n.function} ${n.id}`), " (", rich(n.what), "). ");
  if (n.why) h.append(rich(n.why), " ");
  h.append(el("span", { class: "aside" }, `The checker's shortest way to ${reach.inv} from here takes ${reach.remaining} step${reach.remaining === 1 ? "" : "s"}.`));
}

function renderThreads() {
  const v = view;
  const box = $("threads");
  box.replaceChildren();
  const next = script && script.length > path.length && script.slice(0, path.length).join() === path.join() ? script[path.length] : null;
  v.threads.forEach((t, k) => {
    const col = el("div", { class: `thread ${t.state}`, "data-thread": t.name, tabindex: "-1" });
    if (v.lock === t.name) col.classList.add("holds-lock");
    if (next === t.name) col.classList.add("scripted");
    const head = el("h3", {}, el("span", { class: "name" }, t.name));
    if (t.pass) head.append(el("span", { class: "pass" }, t.pass));
    if (v.lock === t.name) {
      const badge = el("span", { class: "lockbadge", title: "holds the page lock" });
      badge.innerHTML = LOCK_SVG;
      badge.append(" page lock");
      head.append(badge);
    }
    col.append(head, el("div", { class: "who" }, rich(t.who)));
    if (t.runnable) {
      const b = el("button", { class: "run", "data-step": t.name, "aria-keyshortcuts": k < 9 ? String(k + 1) : null,
        onclick: () => takeStep(t.name) }, `Run ${t.name}`);
      const changes = t.preview.map((c) => `${c.name}: ${c.from} \u2192 ${c.to}`);
      b.title = changes.length ? "would change " + changes.join(", ") : "changes no field shown";
      const show = () => preview(t, true), hide = () => preview(t, false);
      b.addEventListener("mouseenter", show);
      b.addEventListener("focus", show);
      b.addEventListener("mouseleave", hide);
      b.addEventListener("blur", hide);
      col.append(b);
      col.append(el("div", { class: "preview-line", hidden: true },
        changes.length ? "would change: " + changes.join(", ") : "would change no field shown"));
    } else {
      col.append(el("div", { class: t.state === "blocked" ? "why" : "done" }, rich(t.why || "")));
    }
    // The thread's program: the steps it took, the next one, and what it would do alone.
    const prog = el("ol", { class: "program", "aria-label": `${t.name}'s program` });
    const took = (d) => el("li", { class: "took", title: d.what }, el("span", { class: "n" }, `${d.n}.`), " ", fn(d.id), " ", fn(d.function));
    const shown = t.done.length > 4 ? t.done.slice(-2) : t.done;
    if (shown.length < t.done.length) {
      const earlier = t.done.slice(0, t.done.length - shown.length);
      const inner = el("ol", { class: "program inner" }, ...earlier.map(took));
      prog.append(el("li", { class: "earlier" }, el("details", {},
        el("summary", {}, `${earlier.length} earlier step${earlier.length === 1 ? "" : "s"}`), inner)));
    }
    for (const d of shown) prog.append(took(d));
    if (t.next) {
      prog.append(el("li", { class: t.runnable ? "next" : "next waiting" },
        el("div", {}, fn(t.next.id), " ", fn(t.next.function)),
        el("div", { class: "anchor" }, t.next.anchor),
        el("div", { class: "what" }, rich(t.next.what))));
    }
    if (t.later.length) {
      prog.append(el("li", { class: "later-h" }, `then, if ${t.name} ran alone from here:`));
      const later = (s) => el("li", { class: "later", title: s.what }, fn(s.id), " ", fn(s.function));
      for (const s of t.later.slice(0, 8)) prog.append(later(s));
      if (t.later.length > 8) {
        prog.append(el("li", { class: "more" }, el("details", {},
          el("summary", {}, `${t.later.length - 8} more`), el("ol", { class: "program inner" }, ...t.later.slice(8).map(later)))));
      }
    }
    if (t.runnable && t.end) prog.append(el("li", { class: "end" }, rich(`then: ${t.end}`)));
    else if (t.more) prog.append(el("li", { class: "end" }, "... and more"));
    col.append(prog);
    box.append(col);
  });
}

// Hovering or focusing a Run button marks the fields its step would change.
function preview(t, on) {
  for (const tr of $("state").querySelectorAll("tr.preview")) {
    tr.classList.remove("preview");
    const n = tr.querySelector(".to");
    if (n) n.remove();
  }
  const col = document.querySelector(`.thread[data-thread="${t.name}"] .preview-line`);
  if (col) col.hidden = !on;
  if (!on) return;
  for (const c of t.preview) {
    const tr = $("state").querySelector(`tr[data-field="${c.name}"]`);
    if (!tr) continue;
    tr.classList.add("preview");
    tr.lastChild.append(el("span", { class: "to" }, ` \u2192 ${c.to}`));
  }
}

function renderState() {
  const v = view;
  const lock = $("lock");
  lock.replaceChildren();
  if (v.lock === "-") {
    lock.textContent = "page unlocked";
    lock.className = "";
  } else {
    lock.innerHTML = LOCK_SVG;
    lock.append(` page locked by ${v.lock}`);
    lock.className = "held";
  }
  const st = $("state");
  st.replaceChildren();
  for (const f of v.fields) {
    const tr = el("tr", { "data-field": f.name, title: FIELD_MEANING[f.name] || null },
      el("td", {}, f.name), el("td", {}, f.value));
    if (f.changed) tr.classList.add("changed");
    st.append(tr);
  }
}

function renderInvariants() {
  const v = view;
  const inv = $("invariants");
  inv.replaceChildren();
  const item = (i) => {
    const summary = el("summary", {}, el("span", { class: "mark" }, i.holds ? "\u2713" : "\u2717"), `${i.id} ${i.name}`);
    if (i.target) summary.append(" ", el("span", { class: "target-chip" }, "goal"));
    if (i.broke_at) summary.append(` (broke at step ${i.broke_at})`);
    const d = el("details", { open: i.target }, summary, el("div", { class: "meaning" }, rich(i.meaning)));
    const li = el("li", { "data-inv": i.id }, d);
    if (!i.holds) li.classList.add("broken");
    if (i.broke_at) li.classList.add("did-break");
    if (i.target) li.classList.add("target");
    return li;
  };
  const first = v.invariants.filter((i) => i.target || !i.holds || i.broke_at)
    .sort((a, b) => (b.target ? 1 : 0) - (a.target ? 1 : 0));
  const rest = v.invariants.filter((i) => !first.includes(i));
  for (const i of first) inv.append(item(i));
  if (rest.length) {
    const more = el("details", { class: "others", open: foldOpen || null },
      el("summary", {}, `${rest.length} other invariant${rest.length === 1 ? "" : "s"} hold${rest.length === 1 ? "s" : ""}`),
      el("ul", { class: "inner" }, ...rest.map(item)));
    more.addEventListener("toggle", () => { foldOpen = more.open; });
    inv.append(el("li", { class: "fold" }, more));
  }
}

function renderHistory() {
  const v = view;
  const hist = $("history");
  hist.replaceChildren();
  for (const s of v.steps) {
    const b = el("button", { class: "goto", title: `Back to the position after step ${s.n}`, onclick: () => goBack(s.n) },
      stepLine(s));
    const li = el("li", { "data-n": s.n }, b, el("div", { class: "what" }, rich(s.what)),
      el("div", { class: "chg" }, s.changes.length ? "=> " + s.changes.map((c) => `${c.name}: ${c.from} \u2192 ${c.to}`).join(", ") : "=> no field shown changes"));
    if (s.n === v.steps.length) li.classList.add("current");
    if (s.broke.length) {
      li.classList.add(s.broke.some((x) => x.target) ? "breaks" : "breaks-other");
      li.append(el("div", { class: "brk" }, `>> ${s.broke.map((x) => x.id).join(", ")} breaks here`));
    }
    hist.append(li);
  }
  redo.forEach((name, k) => {
    const n = path.length + k + 1;
    hist.append(el("li", { class: "undone", "data-n": n },
      el("button", { class: "goto", title: "Redo up to this step", onclick: () => forwardTo(k + 1) }, `${name} (undone)`)));
  });
  // The current step in view inside the list (the page itself does not move).
  const cur = hist.querySelector("li.current");
  if (cur) {
    const below = cur.getBoundingClientRect().bottom - hist.getBoundingClientRect().bottom;
    if (below > 0) hist.scrollTop += below + 4;
  }
  if (!v.steps.length && !redo.length) hist.append(el("li", { class: "empty" }, "No step yet: run a thread."));
}

function renderLegend() {
  const v = view, lv = v.level;
  const box = $("legend");
  box.replaceChildren();
  box.append(el("h2", {}, "Threads"));
  const dl = el("dl", {});
  for (const t of lv.threads) dl.append(el("dt", {}, t.name), el("dd", {}, rich(t.who)));
  box.append(dl);
  box.append(el("h2", {}, "The configuration label"));
  const dl2 = el("dl", {});
  for (const t of lv.legend) dl2.append(el("dt", {}, el("code", {}, t.token)), el("dd", {}, rich(t.meaning)));
  box.append(dl2);
  box.append(el("h2", {}, "Step ids"));
  box.append(el("p", {}, "A step id names a step of docs/protocol.md: its letters the code path, its numbers the steps; ",
    fn("WP6-WP11"), " is a run of steps the model takes as one, a prime (", fn("WP13'"), ") marks the fixed kernel's version of a step. The letters on this board:"));
  const dl3 = el("dl", {});
  for (const c of v.codes) dl3.append(el("dt", {}, el("code", {}, c.code)), el("dd", {}, c.functions.join(", ")));
  box.append(dl3);
  box.append(el("h2", {}, "State fields"));
  const dl4 = el("dl", {});
  for (const f of v.fields) dl4.append(el("dt", {}, el("code", {}, f.name)), el("dd", {}, FIELD_MEANING[f.name] || "the filesystem's own state (mkwrite filesystems says what it tracks)"));
  box.append(dl4);
}

// On a narrow screen the state is below the threads: a bar at the bottom says what the last
// step changed.
function renderLastStep() {
  const v = view;
  const bar = $("last-step");
  const s = v.steps[v.steps.length - 1];
  if (!s) { bar.hidden = true; bar.replaceChildren(); return; }
  bar.hidden = false;
  bar.replaceChildren(el("b", {}, `Step ${s.n}: `), stepLine(s), " ",
    el("span", { class: "chg" }, s.changes.length ? s.changes.map((c) => `${c.name}: ${c.from} \u2192 ${c.to}`).join(", ") : "no field shown changes"));
}

function restoreFocus() {
  const f = focusAfter;
  focusAfter = null;
  if (!f) return;
  let target = null;
  if (f.thread) {
    target = document.querySelector(`button[data-step="${f.thread}"]`) ||
      document.querySelector(`.thread[data-thread="${f.thread}"]`);
  } else if (f.id || f.css) {
    const e = f.id ? $(f.id) : document.querySelector(f.css);
    if (e && !e.disabled && !e.hidden && e.getClientRects().length) target = e;
    else target = document.querySelector("#threads button.run") || $("threads");
  }
  if (target && document.activeElement !== target) target.focus({ preventScroll: true });
}

async function takeStep(name) {
  if (!view) return;
  linkError = "";
  if (redo.length && redo[0] === name) redo.shift(); else redo = [];
  if (script && script[path.length] !== name) script = null;
  path.push(name);
  focusAfter = { thread: name };
  $("against-result").hidden = true;
  await refresh();
}

async function undo() {
  if (!path.length) return;
  redo.unshift(path.pop());
  focusAfter = focusAfter || { id: "undo" };
  $("against-result").hidden = true;
  await refresh();
}

async function redoStep() {
  if (!redo.length) return;
  path.push(redo.shift());
  focusAfter = focusAfter || { id: "redo" };
  $("against-result").hidden = true;
  await refresh();
}

// Back to the position after step n; the later steps stay on Redo.
async function goBack(n) {
  if (n >= path.length) return;
  focusAfter = focusAfter || { css: `#history li[data-n="${n}"] button` };
  redo = path.slice(n).concat(redo);
  path = path.slice(0, n);
  $("against-result").hidden = true;
  await refresh();
}

async function forwardTo(k) {
  focusAfter = { css: `#history li[data-n="${path.length + k}"] button` };
  path = path.concat(redo.slice(0, k));
  redo = redo.slice(k);
  await refresh();
}

async function restart() {
  focusAfter = { id: "reset" };
  await goBack(0);
}

// An in-page question before something is thrown away (no modal dialog).
function confirmThen(text, yes, action) {
  const box = $("confirm");
  box.replaceChildren(el("span", {}, text), " ",
    el("button", { id: "confirm-yes", onclick: () => { box.hidden = true; action(); } }, yes), " ",
    el("button", { id: "confirm-no", onclick: () => { box.hidden = true; $("showme").focus(); } }, "Cancel"));
  box.hidden = false;
  $("confirm-yes").focus();
}

async function showMe() {
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
  redo = r.path.slice();
  focusAfter = { id: "script-next" };
  $("against-result").hidden = true;
  await refresh();
}

async function copyLink() {
  writeHash();
  const b = $("link");
  let copied = false;
  try {
    await navigator.clipboard.writeText(location.href);
    copied = true;
  } catch (e) {
    // Without clipboard permission: select the text in a field and copy it the old way.
    const t = el("textarea", { class: "offscreen", "aria-hidden": "true" });
    t.value = location.href;
    document.body.append(t);
    t.select();
    try { copied = document.execCommand("copy"); } catch (e2) { copied = false; }
    t.remove();
    b.focus();
  }
  b.textContent = copied ? "Copied \u2713" : "Link in the address bar";
  setTimeout(() => { b.textContent = "Copy link"; }, 2500);
}

async function againstTheFix() {
  const box = $("against-result");
  const position = `${level}/${path.join(".")}`;
  const here = () => `${level}/${path.join(".")}` === position;
  let r;
  try {
    r = await api("against", { path: path.join(".") });
    if (!here()) return;
  } catch (e) {
    box.hidden = false;
    box.textContent = `Against the fix: ${e.message}`;
    return;
  }
  box.hidden = false;
  box.replaceChildren();
  box.removeAttribute("data-outcome");
  box.dataset.position = position;
  if (!r.fix) {
    box.setAttribute("data-outcome", "none");
    box.append(el("b", {}, "Against the fix: "), `no fix to replay against: ${r.none}.`);
    return;
  }
  box.setAttribute("data-outcome", r.outcome);
  box.append(el("h3", {}, "Against the fix: ", el("code", {}, r.fix.label)),
    el("div", { class: "fixwhat" }, rich(`The fix: ${r.fix.what}.`)),
    el("p", { class: "outcome" }, rich(r.text)));
  if (r.difference) box.append(el("p", { class: "difference" }, rich(r.difference)));
  if (r.target) {
    const t = r.target;
    box.append(el("p", { class: "target-line" }, t.broke_at
      ? `${t.id} broke at step ${t.broke_at} on the fixed side.`
      : `${t.id} held at every step of the fixed side that ran (${r.ran} of ${r.total}).`,
      " ", el("span", { class: "verdict" }, "The checker on the whole fixed configuration: asking...")));
  }
  const diff = r.rows.filter((x) => !x.same);
  if (diff.length) {
    const tbl = el("table", { class: "rows" }, el("tr", {}, el("th", {}, "step"), el("th", {}, "thread"), el("th", {}, "before the fix"), el("th", {}, "with the fix")));
    for (const x of diff) {
      tbl.append(el("tr", {}, el("td", {}, String(x.n)), el("td", {}, x.thread),
        el("td", {}, fn(x.old.id), " ", rich(x.old.what)),
        el("td", {}, x.fixed ? el("span", {}, fn(x.fixed.id), " ", rich(x.fixed.what)) : "(no such step)")));
    }
    box.append(el("details", {}, el("summary", {}, `The ${diff.length} step${diff.length === 1 ? "" : "s"} that differ`), tbl));
  }
  box.append(el("button", { id: "step-fixed", onclick: () => { focusAfter = { id: "back-to-level" }; go(r.fix.level, r.path); } },
    `Step through the fixed side (${r.ran} step${r.ran === 1 ? "" : "s"})`));
  box.scrollIntoView({ block: "nearest" });
  // The target's verdict over every interleaving of the fixed configuration.
  if (r.target) {
    const asked = level;
    let vs = null;
    try {
      for (;;) {
        vs = await api("violations", { level: r.fix.level });
        if (!vs.pending) break;
        await new Promise((ok) => setTimeout(ok, 800));
      }
    } catch (e) {
      vs = null;
    }
    const span = box.querySelector(".verdict");
    if (!span || asked !== level || !here()) return;
    if (!vs || vs.incomplete) {
      span.textContent = vs ? vs.message : "The checker could not answer.";
    } else {
      const hit = vs.violated.find((x) => x.id === r.target.id);
      span.textContent = hit
        ? `The checker: ${r.target.id} is violated on ${r.fix.label} too (${hit.steps} steps).`
        : `The checker: ${r.target.id} holds in every one of the ${vs.states} states of ${r.fix.label}.`;
    }
  }
}

$("undo").addEventListener("click", () => undo());
$("redo").addEventListener("click", () => redoStep());
$("reset").addEventListener("click", () => restart());
$("link").addEventListener("click", () => copyLink());
$("hint-button").addEventListener("click", () => { hintOpen = true; renderHint(); });
$("showme").addEventListener("click", () => {
  const n = path.length + redo.length;
  if (n && !(script && redo.length === 0 && path.join() === script.join())) {
    confirmThen(`"Show me" replaces your ${n} step${n === 1 ? "" : "s"} with the checker's counterexample.`, "Replace them", showMe);
  } else {
    showMe();
  }
});
$("script-next").addEventListener("click", () => { focusAfter = { id: "script-next" }; redoStep(); });
$("against").addEventListener("click", () => againstTheFix());
$("legend-button").addEventListener("click", () => {
  const open = $("legend").hidden;
  $("legend").hidden = !open;
  $("legend-button").setAttribute("aria-expanded", String(open));
});
$("level-select").addEventListener("change", (e) => switchLevel(e.target.value));

document.addEventListener("keydown", (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const tag = (e.target && e.target.tagName) || "";
  if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA") return;
  if (e.key === "ArrowLeft") { e.preventDefault(); focusAfter = { id: "undo" }; undo(); }
  else if (e.key === "ArrowRight") { e.preventDefault(); focusAfter = { id: "redo" }; redoStep(); }
  else if (/^[1-9]$/.test(e.key) && view) {
    const t = view.threads[Number(e.key) - 1];
    if (t && t.runnable) { e.preventDefault(); takeStep(t.name); }
  }
});

window.addEventListener("hashchange", async () => {
  const h = parseHash();
  if (h.level === level && h.path.join(".") === path.join(".")) return;
  remember();
  linkError = h.error || "";
  const changed = h.level !== level;
  level = h.level;
  path = h.path;
  redo = [];
  script = null;
  $("against-result").hidden = true;
  await refresh();
  if (changed) await loadViolations();
});

(async function start() {
  levels = await (await fetch("/api/levels")).json();
  const h = parseHash();
  level = h.level;
  path = h.path;
  linkError = h.error || "";
  await refresh();
  await loadViolations();
})();
