// digitnet page: uploads, drawing pad and gallery. Plain JS, no build step,
// no network but this server.
"use strict";

const API = "api/v1/predict";
const PARALLEL = 4; // uploads in flight at once; the server bounds work anyway
const MAX_RETRIES = 3; // for 503 busy answers

const $ = (sel, root = document) => root.querySelector(sel);

// ---- results gallery ------------------------------------------------------

const gallery = $("#gallery");
const tpl = $("#result-tpl");
const queue = [];
let running = 0;
let total = 0;

function updateCount() {
  const n = gallery.children.length;
  $("#count").textContent = n ? `(${n})` : "";
  $("#empty").hidden = n > 0;
  $("#clear-results").hidden = n === 0;
}

function pct(p) {
  return (p * 100).toFixed(p >= 0.9995 || p < 0.0005 ? 0 : 1) + "%";
}

// top3 is the three likeliest classes of one digit.
function top3(probabilities) {
  return probabilities
    .map((p, d) => ({ d, p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3);
}

// renderBars draws one bar per {d, p}: label and probability.
function renderBars(ol, rows) {
  ol.replaceChildren(
    ...rows.map(({ d, p }) => {
      const li = document.createElement("li");
      li.className = "bar";
      li.innerHTML = '<span class="bar-label"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-pct"></span>';
      $(".bar-label", li).textContent = d;
      $(".bar-pct", li).textContent = pct(p);
      li.setAttribute("aria-label", `${d}: ${pct(p)}`);
      // Set the width on the next frame so the bar animates from zero.
      const fill = $(".bar-fill", li);
      requestAnimationFrame(() => fill.style.setProperty("width", `${Math.max(p * 100, 1)}%`));
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

function addCard(name, blob) {
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.dataset.name = name;
  $(".res-name", li).textContent = name;
  $(".res-name", li).title = name;
  const thumb = $(".thumb img", li);
  thumb.alt = `Uploaded image ${name}`;
  // Files the browser cannot show (not images, or formats like TIFF) get a
  // plain placeholder instead of a broken-image icon.
  thumb.hidden = true;
  if (blob.type.startsWith("image/")) {
    thumb.addEventListener("load", () => (thumb.hidden = false), { once: true });
    thumb.src = URL.createObjectURL(blob);
  }
  gallery.append(li);
  updateCount();
  return li;
}

function showResult(li, r) {
  if (r.error) {
    showError(li, r.error);
    return;
  }
  const reading = r.number || String(r.digit);
  li.dataset.state = "done";
  li.dataset.digit = reading;
  const number = Boolean(r.digits && r.digits.length > 1);
  $(".pred-digit", li).textContent = reading;
  $(".pred-digit", li).classList.toggle("long", reading.length > 3);
  $(".pred-conf", li).textContent = `${pct(r.confidence)} sure`;
  // A number shows how sure the model is of each digit; a digit, its three
  // likeliest classes.
  const bars = $(".bars", li);
  if (number) {
    bars.setAttribute("aria-label", "Confidence of each digit");
    renderBars(bars, r.digits.map((d) => ({ d: d.digit, p: d.confidence })));
  } else {
    renderBars(bars, top3(r.probabilities));
  }
  const imgs = $(".saw-imgs", li);
  imgs.classList.toggle("multi", number);
  const parts = number ? r.digits : [r];
  imgs.replaceChildren(
    ...parts.filter((d) => d.input_png).map((d) => sawImage(d.input_png, `The 28 by 28 image the model read as ${d.digit}`)),
  );
  $(".saw", li).hidden = imgs.children.length === 0;
}

function showError(li, msg) {
  li.dataset.state = "error";
  const p = $(".res-error", li);
  p.textContent = msg;
  p.hidden = false;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// predict posts one image and returns the parsed JSON, retrying when the
// server says it is busy.
async function predict(blob, name) {
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    form.append("images", blob, name);
    const resp = await fetch(API, { method: "POST", body: form });
    if (resp.status === 503 && attempt < MAX_RETRIES) {
      const wait = Number(resp.headers.get("Retry-After")) || 1;
      await sleep(wait * 1000);
      continue;
    }
    let body;
    try {
      body = await resp.json();
    } catch {
      throw new Error(`server answered ${resp.status} ${resp.statusText}`);
    }
    if (!resp.ok) throw new Error(body.error || `server answered ${resp.status}`);
    return body.results[0];
  }
}

function enqueue(blob, name) {
  total++;
  const li = addCard(name || `image-${total}`, blob);
  queue.push({ blob, name: li.dataset.name, li });
  pump();
}

function pump() {
  while (running < PARALLEL && queue.length) {
    const job = queue.shift();
    running++;
    predict(job.blob, job.name)
      .then((r) => showResult(job.li, r))
      .catch((err) => showError(job.li, err.message || String(err)))
      .finally(() => {
        running--;
        pump();
      });
  }
}

function addFiles(files) {
  // Cards appear in the user's order; results fill them as they arrive.
  for (const f of files) enqueue(f, f.name);
}

// ---- upload: picker, drag and drop, paste, examples ------------------------

const input = $("#files");
const dropzone = $("#dropzone");

input.addEventListener("change", () => {
  addFiles([...input.files]);
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
  if (e.dataTransfer && e.dataTransfer.files.length) addFiles([...e.dataTransfer.files]);
});

document.addEventListener("paste", (e) => {
  const items = e.clipboardData ? [...e.clipboardData.items] : [];
  const files = items.filter((it) => it.kind === "file").map((it) => it.getAsFile()).filter(Boolean);
  if (!files.length) return;
  e.preventDefault();
  files.forEach((f, i) => enqueue(f, f.name && f.name !== "image.png" ? f.name : `pasted-${Date.now()}-${i + 1}.png`));
});

$("#examples").addEventListener("click", async (e) => {
  const btn = e.target.closest(".example");
  if (!btn) return;
  const d = btn.dataset.digit;
  try {
    const resp = await fetch(`examples/digit-${d}.png`);
    enqueue(await resp.blob(), `example-${d}.png`);
  } catch (err) {
    console.error(err);
  }
});

$("#clear-results").addEventListener("click", () => {
  for (const img of gallery.querySelectorAll(".thumb img[src^='blob:']")) URL.revokeObjectURL(img.src);
  gallery.replaceChildren();
  updateCount();
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
  $("#draw-digit").textContent = "–";
  $("#draw-conf").textContent = "Draw a digit in the box";
  $("#draw-bars").replaceChildren();
  $("#draw-saw").hidden = true;
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
      const resp = await fetch(`${API}?name=drawing.png`, { method: "POST", headers: { "Content-Type": "image/png" }, body: blob });
      const body = await resp.json();
      if (!resp.ok) throw new Error(body.error || `server answered ${resp.status}`);
      if (pad.dataset.state === "empty") return; // cleared meanwhile
      showDrawing(body.results[0]);
    } catch (err) {
      $("#draw-conf").textContent = err.message || String(err);
      pad.dataset.state = "error";
    } finally {
      inFlight = false;
      if (dirty) schedule(!drawing);
    }
  }, "image/png");
}

function showDrawing(r) {
  const reading = r.number || String(r.digit);
  $("#draw-digit").textContent = reading;
  $("#draw-conf").textContent = `${pct(r.confidence)} sure`;
  renderBars($("#draw-bars"), top3(r.probabilities));
  if (r.input_png) {
    $("#draw-input").src = r.input_png;
    $("#draw-saw").hidden = false;
  }
  pad.dataset.state = "done";
  pad.dataset.digit = reading;
}

$("#clear").addEventListener("click", resetPad);
resetPad();

// ---- model info and API panel ---------------------------------------------

const origin = location.origin + location.pathname.replace(/[^/]*$/, "");
$("#curl-multi").textContent = `curl -F images=@digit.png -F images=@photo.jpg ${origin}${API}`;
$("#curl-raw").textContent = `curl -H 'Content-Type: image/png' --data-binary @digit.png ${origin}${API}`;

for (const btn of document.querySelectorAll(".copy")) {
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($(`#${btn.dataset.copy}`).textContent);
      btn.textContent = "Copied";
    } catch {
      btn.textContent = "Select & copy";
    }
    setTimeout(() => (btn.textContent = "Copy"), 1500);
  });
}

fetch("api/v1/model")
  .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
  .then((m) => {
    const el = $("#model-info");
    const parts = [];
    if (m.parameters) parts.push(`<strong>${m.parameters.toLocaleString("en-US")}</strong> parameters`);
    if (m.test_accuracy) parts.push(`<strong>${(m.test_accuracy * 100).toFixed(2)}%</strong> MNIST test accuracy`);
    // Count the layers with weights, as people do ("a 4-layer CNN").
    const weighted = (m.architecture || []).filter((l) => /^(conv|dense)/.test(l)).length;
    if (weighted) parts.push(`${weighted}-layer CNN`);
    el.innerHTML = parts.join(" · ");
    if (m.architecture) el.title = m.architecture.join(" → ");
  })
  .catch(() => {});

updateCount();
