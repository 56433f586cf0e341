// digitnet page: uploads, drawing pad and gallery. Plain JS, no build step,
// no network but this server.
"use strict";

const API = "api/v1/predict";
const PARALLEL = 4; // uploads in flight at once: the server reads 2 per core, the rest would queue there
const MAX_RETRIES = 3; // for 503 busy answers
const NET_MSG = "Can't reach the digitnet server — is it still running?";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const SVG_NS = "http://www.w3.org/2000/svg";
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
const phone = matchMedia("(max-width: 760px)");

// ---- readings for people ---------------------------------------------------

// pct shows a probability without claiming more than the model does: 0.9996
// is ">99.9%", never "100%", and a tiny one is "<0.1%", never "0%".
function pct(p) {
  if (!(p > 0)) return "0%";
  if (p > 0.999) return ">99.9%";
  if (p < 0.001) return "<0.1%";
  return `${(p * 100).toFixed(1)}%`;
}

// top3 is the three likeliest classes of one digit, as {d, p}.
function top3(r) {
  if (r.top3 && r.top3.length) return r.top3.map((c) => ({ d: c.digit, p: c.probability }));
  return r.probabilities
    .map((p, d) => ({ d, p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3);
}

const isNumber = (r) => Boolean(r.number && r.digits && r.digits.length > 1);

// renderBars draws one bar per {d, p}: label and probability. A row with
// `unsure` is marked, for the digits of a number.
function renderBars(ol, rows) {
  ol.replaceChildren(
    ...rows.map(({ d, p, unsure }) => {
      const li = document.createElement("li");
      li.className = "bar";
      li.classList.toggle("unsure", Boolean(unsure));
      li.innerHTML = '<span class="bar-label"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-pct"></span>';
      $(".bar-label", li).textContent = d;
      $(".bar-pct", li).textContent = pct(p);
      li.setAttribute("aria-label", `${d}: ${pct(p)}${unsure ? ", unsure" : ""}`);
      $(".bar-fill", li).style.width = `${Math.max(p * 100, 1)}%`;
      return li;
    }),
  );
}

function sawImage(src, label) {
  const img = document.createElement("img");
  img.className = "pixel";
  img.width = 56;
  img.height = 56;
  img.src = src;
  img.alt = label;
  return img;
}

// describeDoubt fills the badge and the "Not sure" line of a reading: for a
// digit its runner-up, for a number the runner-up of each unsure digit.
function describeDoubt(root, r) {
  const unsure = Boolean(r.uncertain);
  $(".badge", root).hidden = !unsure;
  const p = $(".doubt", root);
  p.hidden = !unsure;
  if (!unsure) return;
  let q = "Not sure — is this a digit?";
  let alt = "";
  if (isNumber(r)) {
    q = "Not sure — are these digits?";
    alt = r.digits
      .map((d, i) => ({ d, i }))
      .filter(({ d }) => d.uncertain)
      .map(({ d, i }) => {
        const t = top3(d);
        return `digit ${i + 1} may be ${t[1].d} (${pct(t[1].p)})`;
      })
      .join(", ");
    if (alt) alt = alt[0].toUpperCase() + alt.slice(1);
  } else {
    const t = top3(r);
    alt = `Runner-up: ${t[1].d} (${pct(t[1].p)})`;
  }
  p.innerHTML = "<strong></strong> <span class='runner'></span><span class='reason'></span>";
  $("strong", p).textContent = q;
  $(".runner", p).textContent = alt;
  // Why, in the server's words ("this has 5 closed loops; ...").
  const why = r.reason ? r.reason[0].toUpperCase() + r.reason.slice(1) + "." : "";
  $(".reason", p).textContent = why;
  $(".reason", p).hidden = !why;
}

// ---- results gallery ------------------------------------------------------

const gallery = $("#gallery");
const tpl = $("#result-tpl");
const statusEl = $("#status");
const jobs = new Map(); // card element -> job
const queue = [];
let running = 0;
let unnamed = 0;
let filter = "all";
let page = 0;

const pageSize = () => (phone.matches ? 12 : 24);

function extension(name) {
  const m = /\.([a-z0-9]{1,5})$/i.exec(name);
  return m ? m[1].toUpperCase() : "FILE";
}

function addCard(name, blob) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.dataset.name = name;
  li.setAttribute("aria-label", name);
  $(".res-name", li).textContent = name;
  $(".res-name", li).title = name;
  $(".remove", li).setAttribute("aria-label", `Remove ${name}`);
  $(".retry", li).setAttribute("aria-label", `Retry ${name}`);
  const thumb = $(".thumb", li);
  const img = $("img", thumb);
  img.alt = `Uploaded image ${name}`;
  $(".thumb-ph", li).textContent = extension(name);
  // Files the browser cannot show (not images, or formats like TIFF) keep a
  // plain placeholder instead of a broken-image icon; the image is loaded
  // when its card is first shown (loading=lazy). The boxes are drawn in
  // the image's pixels: the SVG's viewBox is the image size, and its default
  // "meet" scaling matches the image's object-fit: contain.
  if (blob.type.startsWith("image/")) {
    img.addEventListener(
      "load",
      () => {
        thumb.classList.add("has-img");
        $(".boxes", thumb).setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
      },
      { once: true },
    );
    img.src = URL.createObjectURL(blob);
  }
  gallery.append(li);
  return li;
}

// drawBoxes outlines where each digit was found, in image pixels. A box much
// smaller than the image also gets a ring, so it can be seen in a thumbnail.
function drawBoxes(svg, boxes, size) {
  const shapes = [];
  for (const b of boxes) {
    if (!b || !(b.w > 0 && b.h > 0)) continue;
    for (const cls of ["box-halo", "box"]) {
      const r = document.createElementNS(SVG_NS, "rect");
      r.setAttribute("class", cls);
      r.setAttribute("x", b.x);
      r.setAttribute("y", b.y);
      r.setAttribute("width", b.w);
      r.setAttribute("height", b.h);
      shapes.push(r);
    }
    if (size && Math.max(b.w, b.h) < 0.15 * size) {
      const c = document.createElementNS(SVG_NS, "circle");
      c.setAttribute("class", "box-ring");
      c.setAttribute("cx", b.x + b.w / 2);
      c.setAttribute("cy", b.y + b.h / 2);
      c.setAttribute("r", Math.max(b.w, b.h) / 2 + 0.06 * size);
      shapes.push(c);
    }
  }
  svg.replaceChildren(...shapes);
}

function showResult(job, r) {
  if (r.error) {
    showError(job, { message: r.error, code: r.code });
    return;
  }
  const li = job.li;
  job.result = r;
  job.error = null;
  const number = isNumber(r);
  const reading = number ? r.number : String(r.digit);
  li.dataset.state = "done";
  li.dataset.digit = reading;
  li.dataset.uncertain = String(Boolean(r.uncertain));
  li.dataset.retryable = "false";
  $(".pred-digit", li).textContent = reading;
  $(".pred-digit", li).classList.toggle("long", reading.length > 3);
  // An unsure reading is not "sure" of anything: its badge says so instead.
  $(".pred-conf", li).textContent = r.uncertain ? "" : `${pct(r.confidence)} sure`;
  describeDoubt(li, r);
  // A number shows how sure the model is of each digit; a digit, its three
  // likeliest classes.
  const bars = $(".bars", li);
  if (number) {
    bars.setAttribute("aria-label", "Confidence of each digit");
    bars.classList.add("per-digit");
    renderBars(bars, r.digits.map((d) => ({ d: d.digit, p: d.confidence, unsure: d.uncertain })));
  } else {
    bars.setAttribute("aria-label", "Top three classes");
    bars.classList.remove("per-digit");
    renderBars(bars, top3(r));
  }
  const parts = number ? r.digits : [r];
  const imgs = $(".saw-imgs", li);
  imgs.classList.toggle("multi", number);
  // Tile a number's inputs in even rows: 2x2 for four digits, not 3+1.
  imgs.style.setProperty("--cols", number ? Math.ceil(parts.length / Math.ceil(parts.length / 3)) : 1);
  imgs.replaceChildren(
    ...parts.filter((d) => d.input_png).map((d) => sawImage(d.input_png, `The 28 by 28 image the model read as ${d.digit}`)),
  );
  $(".saw", li).hidden = imgs.children.length === 0;
  $(".res-error", li).hidden = true;
  const img = $(".thumb img", li);
  const size = () => Math.max(img.naturalWidth, img.naturalHeight);
  const boxes = parts.map((d) => d.box);
  drawBoxes($(".boxes", li), boxes, size());
  if (!img.complete) img.addEventListener("load", () => drawBoxes($(".boxes", li), boxes, size()), { once: true });
}

// showError puts err.message on the card; err.retryable adds a Retry button
// (the server could not be reached or was busy, so trying again may work).
function showError(job, err) {
  const li = job.li;
  job.result = null;
  job.error = { message: err.message || String(err), code: err.code || "" };
  li.dataset.state = "error";
  li.dataset.uncertain = "false";
  li.dataset.retryable = String(Boolean(err.retryable));
  delete li.dataset.digit;
  $(".badge", li).hidden = true;
  $(".doubt", li).hidden = true;
  $(".res-error-msg", li).textContent = job.error.message;
  $(".retry", li).hidden = !err.retryable;
  $(".res-error", li).hidden = false;
}

function showPending(job) {
  const li = job.li;
  li.dataset.state = "pending";
  li.dataset.retryable = "false";
  $(".pred-digit", li).textContent = "…";
  $(".pred-conf", li).textContent = "reading";
  $(".res-error", li).hidden = true;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function failure(message, { code = "", retryable = false } = {}) {
  const err = new Error(message);
  err.code = code;
  err.retryable = retryable;
  return err;
}

// send posts to the API and returns the first result, retrying while the
// server says it is busy. Every failure becomes a message for people: a
// network error says the server is unreachable, not "Failed to fetch".
async function send(body, query = "", headers = {}) {
  for (let attempt = 0; ; attempt++) {
    let resp;
    try {
      resp = await fetch(API + query, { method: "POST", body: body(), headers });
    } catch {
      throw failure(NET_MSG, { retryable: true });
    }
    if (resp.status === 503 && attempt < MAX_RETRIES) {
      const wait = Number(resp.headers.get("Retry-After")) || 1;
      await sleep(wait * 1000);
      continue;
    }
    let data = null;
    try {
      data = await resp.json();
    } catch {
      // not JSON: a proxy's error page, or the connection broke mid-answer
    }
    const retryable = resp.status >= 500 || resp.status === 408 || resp.status === 429;
    if (!resp.ok) {
      const msg = data && data.error ? data.error : `The server answered ${resp.status} ${resp.statusText}`.trim();
      throw failure(msg, { code: data && data.code, retryable });
    }
    if (!data || !Array.isArray(data.results) || !data.results.length) {
      throw failure("The server's answer was cut off or unreadable — try again", { retryable: true });
    }
    return data.results[0];
  }
}

function predictFile(blob, name) {
  return send(() => {
    const form = new FormData();
    form.append("images", blob, name);
    return form;
  });
}

function enqueue(job) {
  showPending(job);
  queue.push(job);
  pump();
}

function pump() {
  while (running < PARALLEL && queue.length) {
    const job = queue.shift();
    running++;
    predictFile(job.blob, job.name)
      .then((r) => job.removed || showResult(job, r))
      .catch((err) => job.removed || showError(job, err))
      .finally(() => {
        running--;
        refresh();
        pump();
      });
  }
}

// addFiles adds one card per {blob, name} in the user's order, shows the
// first of them and sends them, PARALLEL at a time.
function addFiles(items) {
  if (!items.length) return;
  let first = null;
  for (const { blob, name } of items) {
    const li = addCard(name || `image-${++unnamed}`, blob);
    const job = { blob, name: li.dataset.name, li, result: null, error: null, removed: false };
    jobs.set(li, job);
    first = first || job;
    enqueue(job);
  }
  setFilter("all");
  page = Math.floor([...gallery.children].indexOf(first.li) / pageSize());
  refreshNow();
  reveal(first.li);
}

// reveal brings the results into view after an upload: the status line if
// it is off screen (on a phone the results are far below the drop zone),
// else the first new card.
function reveal(li) {
  const behavior = reducedMotion.matches ? "auto" : "smooth";
  const head = $(".results-head").getBoundingClientRect();
  if (head.top < 0 || head.bottom > innerHeight) {
    $("#results").scrollIntoView({ behavior, block: "start" });
    return;
  }
  const r = li.getBoundingClientRect();
  if (r.bottom > innerHeight) li.scrollIntoView({ behavior, block: "nearest" });
}

// ---- status, filters, pages --------------------------------------------------

const matches = {
  all: () => true,
  errors: (li) => li.dataset.state === "error",
  unsure: (li) => li.dataset.uncertain === "true",
};

let refreshTimer = 0;
function refresh() {
  if (!refreshTimer) refreshTimer = setTimeout(refreshNow, 30);
}

// The live region speaks at most once a second while a batch is read, and
// at once when it is done, so a screen reader is not flooded.
let statusTimer = 0;
let statusAt = 0;
let statusText = "";
function setStatus(text, final) {
  statusText = text;
  const write = () => {
    statusTimer = 0;
    statusAt = performance.now();
    if (statusEl.textContent !== statusText) statusEl.textContent = statusText;
  };
  if (final) {
    clearTimeout(statusTimer);
    write();
  } else if (!statusTimer) {
    statusTimer = setTimeout(write, Math.max(0, statusAt + 1000 - performance.now()));
  }
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function refreshNow() {
  clearTimeout(refreshTimer);
  refreshTimer = 0;
  const cards = [...gallery.children];
  const n = cards.length;
  let read = 0;
  let errors = 0;
  let unsure = 0;
  let unreachable = 0;
  for (const li of cards) {
    if (li.dataset.state !== "pending") read++;
    if (li.dataset.state === "error") errors++;
    if (li.dataset.retryable === "true") unreachable++;
    if (li.dataset.uncertain === "true") unsure++;
  }
  // Only what has been read is counted: "20 of 99 read", never "99 results"
  // while 79 are still on their way.
  let text = "";
  if (n) {
    text = `${read} of ${n} read`;
    if (errors) text += ` · ${plural(errors, "error", "errors")}`;
    if (unsure) text += ` · ${unsure} unsure`;
  }
  setStatus(text, read === n);

  $("#empty").hidden = n > 0;
  for (const id of ["#actions", "#filters"]) $(id).hidden = n === 0;
  $("#download-csv").disabled = $("#download-json").disabled = read === 0;
  $("#progress").hidden = n === 0 || read === n;
  $("#progress-fill").style.width = `${n ? (100 * read) / n : 0}%`;
  $("#n-errors").textContent = errors || "";
  $("#n-unsure").textContent = unsure || "";

  // One banner for failures worth retrying, with one button for all of them.
  const banner = $("#net-banner");
  banner.hidden = unreachable === 0;
  const down = cards.some((li) => li.dataset.retryable === "true" && jobs.get(li).error.message === NET_MSG);
  const say = down ? NET_MSG : `The server could not read ${plural(unreachable, "image", "images")} just now — try again.`;
  if (unreachable && $(".banner-msg", banner).textContent !== say) $(".banner-msg", banner).textContent = say;

  const shown = cards.filter(matches[filter]);
  const size = pageSize();
  const pages = Math.max(1, Math.ceil(shown.length / size));
  page = Math.min(Math.max(page, 0), pages - 1);
  const from = page * size;
  const visible = new Set(shown.slice(from, from + size));
  for (const li of cards) li.hidden = !visible.has(li);
  const fe = $("#filter-empty");
  fe.hidden = !(n > 0 && shown.length === 0);
  fe.textContent = filter === "errors" ? "No errors." : "Nothing unsure: every reading is confident.";
  $("#pager").hidden = shown.length <= size;
  $("#page-info").textContent = `${from + 1}–${Math.min(from + size, shown.length)} of ${shown.length}`;
  $("#page-prev").disabled = page === 0;
  $("#page-next").disabled = page >= pages - 1;
}

function setFilter(f) {
  filter = f;
  page = 0;
  for (const b of $$("#filters .chip")) b.setAttribute("aria-pressed", String(b.dataset.filter === f));
}

$("#filters").addEventListener("click", (e) => {
  const b = e.target.closest(".chip");
  if (!b) return;
  setFilter(b.dataset.filter);
  refreshNow();
});

function turnPage(delta) {
  page += delta;
  refreshNow();
  const head = $(".results-head").getBoundingClientRect();
  if (head.top < 0) $("#results").scrollIntoView({ block: "start" });
}
$("#page-prev").addEventListener("click", () => turnPage(-1));
$("#page-next").addEventListener("click", () => turnPage(1));

// ---- remove, retry, clear, download --------------------------------------

function forget(job) {
  job.removed = true;
  const i = queue.indexOf(job);
  if (i >= 0) queue.splice(i, 1);
  const img = $(".thumb img", job.li);
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  jobs.delete(job.li);
  job.li.remove();
}

function removeCard(job) {
  // Keep the keyboard where it was: on the next card's Remove button, else
  // the previous card's, else the heading.
  const visible = [...gallery.children].filter((li) => !li.hidden);
  const i = visible.indexOf(job.li);
  const next = visible[i + 1] || visible[i - 1];
  forget(job);
  refreshNow();
  if (next && next.isConnected && !next.hidden) $(".remove", next).focus();
  else $("#results-h").focus();
}

function retry(job) {
  job.li.focus(); // its Retry button disappears while the image is read again
  enqueue(job);
  refreshNow();
  if (job.li.hidden) $("#results-h").focus(); // the Errors filter hid it
}

gallery.addEventListener("click", (e) => {
  const btn = e.target.closest("button");
  const job = btn && jobs.get(btn.closest(".result"));
  if (!job) return;
  if (btn.classList.contains("remove")) {
    removeCard(job);
  } else if (btn.classList.contains("retry")) {
    retry(job);
  }
});

$("#retry-all").addEventListener("click", () => {
  for (const li of gallery.children) if (li.dataset.retryable === "true") enqueue(jobs.get(li));
  refreshNow();
  $("#results-h").focus();
});

$("#clear-results").addEventListener("click", () => {
  for (const job of [...jobs.values()]) forget(job);
  setFilter("all");
  refreshNow();
  $("#results-h").focus();
});

// exported is a result as the API sent it, without the model-input previews
// (they are for the page) — or the error the page saw.
function exported(job) {
  if (job.error) return { name: job.name, error: job.error.message, ...(job.error.code ? { code: job.error.code } : {}) };
  const { input_png: _, ...r } = job.result;
  if (r.digits) r.digits = r.digits.map(({ input_png: _p, ...d }) => d);
  return r;
}

const CSV_COLUMNS = ["name", "reading", "confidence", "uncertain", "runner_up", "runner_up_probability", "box_x", "box_y", "box_w", "box_h", "error", "code"];

// csvCell quotes as RFC 4180 says. Text that a spreadsheet would run as a
// formula (=, +, -, @) is prefixed with an apostrophe.
function csvCell(v, text) {
  let s = v === undefined || v === null ? "" : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvRow(r) {
  if (r.error) return [csvCell(r.name, true), "", "", "", "", "", "", "", "", "", csvCell(r.error, true), csvCell(r.code, true)];
  const number = isNumber(r);
  const second = number ? null : top3(r)[1];
  const b = r.box || {};
  return [
    csvCell(r.name, true),
    number ? r.number : r.digit,
    r.confidence,
    Boolean(r.uncertain),
    second ? second.d : "",
    second ? second.p : "",
    b.x ?? "",
    b.y ?? "",
    b.w ?? "",
    b.h ?? "",
    "",
    "",
  ];
}

function download(kind) {
  const rows = [...gallery.children].map((li) => jobs.get(li)).filter((j) => j.result || j.error).map(exported);
  const text =
    kind === "csv"
      ? [CSV_COLUMNS, ...rows.map(csvRow)].map((row) => row.join(",")).join("\r\n") + "\r\n"
      : JSON.stringify({ results: rows }, null, 2) + "\n";
  const blob = new Blob([text], { type: kind === "csv" ? "text/csv;charset=utf-8" : "application/json" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `digitnet-results.${kind}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}
$("#download-csv").addEventListener("click", () => download("csv"));
$("#download-json").addEventListener("click", () => download("json"));

// ---- upload: picker, drag and drop, paste, examples ------------------------

const input = $("#files");
const dropzone = $("#dropzone");
const named = (files) => files.map((f) => ({ blob: f, name: f.name }));

input.addEventListener("change", () => {
  addFiles(named([...input.files]));
  input.value = ""; // choosing the same files again fires change again
});

let dragDepth = 0;
document.addEventListener("dragenter", (e) => {
  if (!e.dataTransfer || ![...e.dataTransfer.types].includes("Files")) return;
  dragDepth++;
  dropzone.classList.add("over");
});
document.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropzone.classList.remove("over");
});
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", (e) => {
  e.preventDefault(); // anywhere on the page, not just the zone
  dragDepth = 0;
  dropzone.classList.remove("over");
  if (e.dataTransfer && e.dataTransfer.files.length) addFiles(named([...e.dataTransfer.files]));
});

document.addEventListener("paste", (e) => {
  const items = e.clipboardData ? [...e.clipboardData.items] : [];
  const files = items.filter((it) => it.kind === "file").map((it) => it.getAsFile()).filter(Boolean);
  if (!files.length) return;
  e.preventDefault();
  const stamp = Date.now();
  addFiles(files.map((f, i) => ({ blob: f, name: f.name && f.name !== "image.png" ? f.name : `pasted-${stamp}-${i + 1}.png` })));
});

$("#examples").addEventListener("click", async (e) => {
  const btn = e.target.closest(".example");
  if (!btn) return;
  const d = btn.dataset.digit;
  try {
    const resp = await fetch(`examples/digit-${d}.png`);
    if (!resp.ok) throw new Error(`examples/digit-${d}.png: ${resp.status}`);
    addFiles([{ blob: await resp.blob(), name: `example-${d}.png` }]);
  } catch {
    addFiles([{ blob: new Blob(), name: `example-${d}.png` }]); // its card shows why
  }
});

// ---- drawing pad ---------------------------------------------------------

const pad = $("#pad");
const ctx = pad.getContext("2d");
const THROTTLE_MS = 150;
let drawing = false;
let dirty = false; // strokes not yet sent
let inFlight = false;
let lastSent = 0;
let timer = 0;
let last = null;

function resetPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.strokeStyle = "#000";
  ctx.fillStyle = "#000";
  ctx.lineWidth = pad.width / 13;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  dirty = false;
  clearTimeout(timer);
  const box = $("#draw-result");
  $("#draw-digit").textContent = "–";
  $("#draw-digit").classList.remove("long");
  $("#draw-conf").textContent = "Draw a digit in the box, or a few side by side for a number";
  $(".badge", box).hidden = true;
  $(".doubt", box).hidden = true;
  $("#draw-retry").hidden = true;
  $("#draw-parts").replaceChildren();
  box.dataset.uncertain = "false";
  pad.dataset.state = "empty";
  delete pad.dataset.digit;
}

function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: ((e.clientX - r.left) * pad.width) / r.width, y: ((e.clientY - r.top) * pad.height) / r.height };
}

pad.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  last = point(e);
  // A dot for a tap without movement.
  ctx.beginPath();
  ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
  ctx.fill();
  dirty = true;
  pad.dataset.settled = "false";
  schedule();
});

pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  for (const ce of events.length ? events : [e]) {
    const p = point(ce);
    ctx.lineTo(p.x, p.y);
    last = p;
  }
  ctx.stroke();
  dirty = true;
  schedule();
});

function endStroke() {
  if (!drawing) return;
  drawing = false;
  schedule(true);
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

// schedule sends the drawing at most every THROTTLE_MS while drawing, one
// request at a time, and always once more after the last stroke.
function schedule(now = false) {
  clearTimeout(timer);
  if (inFlight) return; // sendDrawing reschedules when it returns
  const wait = now ? 0 : Math.max(0, lastSent + THROTTLE_MS - performance.now());
  timer = setTimeout(sendDrawing, wait);
}

function sendDrawing() {
  if (!dirty || inFlight) return;
  dirty = false;
  inFlight = true;
  lastSent = performance.now();
  pad.dataset.state = "reading";
  pad.toBlob(async (blob) => {
    try {
      const r = await send(() => blob, "?name=drawing.png", { "Content-Type": "image/png" });
      if (pad.dataset.state === "empty") return; // cleared meanwhile
      showDrawing(r);
    } catch (err) {
      if (pad.dataset.state === "empty") return;
      $("#draw-conf").textContent = err.message || String(err);
      $("#draw-retry").hidden = !err.retryable;
      pad.dataset.state = "error";
    } finally {
      inFlight = false;
      if (dirty) schedule(!drawing);
      // settled: what the pad shows is the reading of all that was drawn.
      pad.dataset.settled = String(!dirty && !drawing);
    }
  }, "image/png");
}

// showDrawing shows the reading of the pad: for a number, each digit with
// its own top three and model input.
function showDrawing(r) {
  const box = $("#draw-result");
  const number = isNumber(r);
  const reading = number ? r.number : String(r.digit);
  $("#draw-digit").textContent = reading;
  $("#draw-digit").classList.toggle("long", reading.length > 2);
  $("#draw-conf").textContent = r.uncertain ? "" : `${pct(r.confidence)} sure`;
  $("#draw-retry").hidden = true;
  describeDoubt(box, r);
  box.dataset.uncertain = String(Boolean(r.uncertain));
  const parts = number ? r.digits : [r];
  $("#draw-parts").replaceChildren(
    ...parts.map((d, i) => {
      const part = document.createElement("div");
      part.className = "part";
      part.classList.toggle("unsure", Boolean(number && d.uncertain));
      if (number) {
        const h = document.createElement("div");
        h.className = "part-head";
        h.textContent = `Digit ${i + 1}: ${d.digit}`;
        part.append(h);
      }
      const ol = document.createElement("ol");
      ol.className = "bars";
      ol.setAttribute("aria-label", number ? `Top three classes of digit ${i + 1}` : "Top three classes");
      renderBars(ol, top3(d));
      part.append(ol);
      if (d.input_png) {
        const fig = document.createElement("figure");
        fig.className = "saw";
        const cap = document.createElement("figcaption");
        cap.textContent = "model input";
        fig.append(sawImage(d.input_png, `The 28 by 28 image the model read as ${d.digit}`));
        if (!number) fig.append(cap);
        part.append(fig);
      }
      return part;
    }),
  );
  $("#draw-parts").classList.toggle("multi", number);
  pad.dataset.state = "done";
  pad.dataset.digit = reading;
}

$("#clear").addEventListener("click", resetPad);
$("#draw-retry").addEventListener("click", () => {
  dirty = true;
  $("#draw-conf").textContent = "Reading…";
  $("#draw-retry").hidden = true;
  schedule(true);
});
resetPad();

// ---- model info and API panel ---------------------------------------------

// showCommand writes a shell command so that a narrow screen wraps it
// between words, and inside a word only when it is a long URL.
function showCommand(el, words) {
  el.replaceChildren();
  words.forEach((w, i) => {
    if (i) el.append(" ");
    if (w.length > 28) {
      el.append(w);
      return;
    }
    const span = document.createElement("span");
    span.className = "word";
    span.textContent = w;
    el.append(span);
  });
}
const origin = location.origin + location.pathname.replace(/[^/]*$/, "");
showCommand($("#curl-multi"), ["curl", "-F", "images=@digit.png", "-F", "images=@photo.jpg", `${origin}${API}`]);
showCommand($("#curl-raw"), ["curl", "-H", "'Content-Type: image/png'", "--data-binary", "@digit.png", `'${origin}${API}?name=digit.png'`]);

// copyText uses the clipboard API where the page is a secure context
// (localhost, https) and the older selection copy elsewhere, e.g. when the
// server is reached over plain http on a LAN.
async function copyText(el) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(el.textContent);
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  if (!document.execCommand("copy")) throw new Error("copy refused");
}

for (const btn of $$(".copy")) {
  btn.addEventListener("click", async () => {
    let said;
    try {
      await copyText($(`#${btn.dataset.copy}`));
      btn.textContent = "Copied";
      said = "Command copied";
    } catch {
      btn.textContent = "Press Ctrl+C";
      said = "The command is selected: press Ctrl+C to copy it";
    }
    $("#copy-status").textContent = said;
    setTimeout(() => (btn.textContent = "Copy"), 1500);
  });
}

// loadModel describes the model in use in the header and returns what
// GET api/v1/model said, or null when the server could not be asked. It
// runs again whenever the model changes (a fine-tune, a rollback).
async function loadModel() {
  let m;
  try {
    const r = await fetch("api/v1/model");
    if (!r.ok) return null;
    m = await r.json();
  } catch {
    return null;
  }
  const el = $("#model-info");
  const parts = [];
  if (m.parameters) parts.push(`<strong>${m.parameters.toLocaleString("en-US")}</strong> parameters`);
  if (m.test_accuracy) parts.push(`<strong>${(m.test_accuracy * 100).toFixed(2)}%</strong> MNIST test accuracy`);
  // Count the layers with weights, as people do ("a 4-layer CNN").
  const weighted = (m.architecture || []).filter((l) => /^(conv|dense)/.test(l)).length;
  if (weighted) parts.push(`${weighted}-layer CNN`);
  const ft = m.training && m.training.fine_tune;
  if (ft) parts.push(`tuned to <strong>${Number(ft.samples)}</strong> of your examples`);
  el.innerHTML = parts.join(" · ");
  if (m.architecture) el.title = m.architecture.join(" → ");
  return m;
}
const modelLoaded = loadModel();

// The API panel is for scripts: on a phone it starts folded.
if (phone.matches) $(".api details").open = false;
phone.addEventListener("change", () => refreshNow());
refreshNow();
