// digitnet page, the part for `digitnet serve --samples DIR`: correcting
// readings, saving drawings as examples, learning the user's handwriting,
// going back to the previous model, and the access token. It runs after
// app.js and uses its helpers and state. GET api/v1/model says whether the
// server keeps samples (capabilities.samples); without them every control
// here stays hidden.
"use strict";

const TOKEN_KEY = "digitnet-token";
const learnPanel = $("#learn");
let learning = false; // the server keeps samples
let tuning = false; // a fine-tuning job runs
let samplesReady = false;
let pollTimer = 0;

// ---- talking to the server -------------------------------------------------

async function getJSON(url) {
  let resp;
  try {
    resp = await fetch(url, { cache: "no-store" });
  } catch {
    throw failure(NET_MSG, { retryable: true });
  }
  const data = await resp.json().catch(() => null);
  if (!resp.ok || !data) throw failure((data && data.error) || `The server answered ${resp.status}`, { code: data && data.code });
  return data;
}

// askToken shows the token dialog and resolves with what was typed, or ""
// when the user cancels.
function askToken(wrong) {
  const dlg = $("#token-dialog");
  const input = $("#token-input");
  $("#token-wrong").hidden = !wrong;
  input.value = "";
  dlg.returnValue = "";
  dlg.showModal();
  input.focus();
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue === "ok" ? input.value.trim() : ""), { once: true });
  });
}
$("#token-cancel").addEventListener("click", () => $("#token-dialog").close(""));

// write sends a request that changes something on the server: it sends the
// access token the page holds, and when the server answers 401 asks for
// the token once (kept in sessionStorage, so only until the tab closes)
// and sends the request again.
async function write(method, url, body) {
  for (let asked = false; ; asked = true) {
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    let resp;
    try {
      resp = await fetch(url, { method, body, headers });
    } catch {
      throw failure(NET_MSG, { retryable: true });
    }
    if (resp.status === 401 && !asked) {
      const typed = await askToken(Boolean(token));
      if (!typed) throw failure("Not done: the server needs its access token for this.", { code: "unauthorized" });
      sessionStorage.setItem(TOKEN_KEY, typed);
      continue;
    }
    const data = resp.status === 204 ? {} : await resp.json().catch(() => null);
    if (!resp.ok) {
      if (resp.status === 401) sessionStorage.removeItem(TOKEN_KEY); // ask again next time
      const msg = data && data.error ? data.error : `The server answered ${resp.status} ${resp.statusText}`.trim();
      throw failure(msg, { code: data && data.code, retryable: resp.status >= 500 });
    }
    return data;
  }
}

// saveSample sends one image of one digit with its label.
async function saveSample(blob, name, label) {
  const form = new FormData();
  form.append("image", blob, name);
  form.append("label", String(label));
  const saved = await write("POST", "api/v1/samples", form);
  refreshSamples();
  return saved;
}

// ---- the digit picker ------------------------------------------------------

const pickers = new WeakMap(); // picker -> {opener, choose}

// openPicker shows the ten digits under opener; choose(label) runs when one
// is picked. The keyboard starts on suggest, or on 0.
function openPicker(picker, opener, choose, suggest) {
  if (!picker.children.length) {
    for (let d = 0; d <= 9; d++) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "pick";
      b.dataset.label = d;
      b.textContent = d;
      picker.append(b);
    }
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn small ghost pick-cancel";
    cancel.textContent = "Cancel";
    picker.append(cancel);
  }
  for (const other of $$(".picker:not([hidden])")) if (other !== picker) closePicker(other, false);
  pickers.set(picker, { opener, choose });
  picker.hidden = false;
  opener.setAttribute("aria-expanded", "true");
  const start = /^[0-9]$/.test(String(suggest)) ? suggest : 0;
  $(`.pick[data-label="${start}"]`, picker).focus();
}

function closePicker(picker, refocus = true) {
  if (picker.hidden) return;
  picker.hidden = true;
  const p = pickers.get(picker);
  if (!p) return;
  p.opener.setAttribute("aria-expanded", "false");
  if (refocus && p.opener.isConnected) p.opener.focus();
}

document.addEventListener("click", (e) => {
  const b = e.target.closest(".picker button");
  if (!b) return;
  const picker = b.closest(".picker");
  const p = pickers.get(picker);
  if (!p) return;
  closePicker(picker);
  if (b.classList.contains("pick")) p.choose(Number(b.dataset.label));
});

document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape" || !(e.target instanceof Element)) return;
  const picker = e.target.closest(".picker");
  if (picker) {
    e.preventDefault();
    closePicker(picker);
  }
});

// showSaved says a sample was saved, with a button that deletes it again.
function showSaved(status, sample, text) {
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "btn small ghost undo";
  undo.textContent = "Undo";
  undo.setAttribute("aria-label", `Undo: delete this example of ${sample.label}`);
  undo.addEventListener("click", async () => {
    try {
      await write("DELETE", `api/v1/samples/${encodeURIComponent(sample.id)}`);
      status.dataset.state = "undone";
      status.textContent = "Example deleted.";
      refreshSamples();
    } catch (err) {
      status.dataset.state = "error";
      status.textContent = err.message;
    }
  });
  status.dataset.state = "saved";
  status.dataset.label = sample.label;
  status.replaceChildren(`${text} `, undo);
}

function showFixError(status, err) {
  status.dataset.state = "error";
  status.textContent = err.message || String(err);
}

// ---- corrections on the gallery's cards ------------------------------------

// renderFixes gives a card read as one digit a "Wrong? Pick the right digit"
// button, and a card read as a number one button per digit, showing what
// was read there. Other cards (pending, errors) get none.
function renderFixes(li) {
  const box = $(".fixes", li);
  const job = jobs.get(li);
  if (!learning || !job || !job.result || li.dataset.state !== "done") {
    box.replaceChildren();
    return;
  }
  const r = job.result;
  const number = isNumber(r);
  const row = document.createElement("div");
  row.className = "fix-row";
  const picker = document.createElement("div");
  picker.className = "picker";
  picker.setAttribute("role", "group");
  picker.hidden = true;
  const status = document.createElement("p");
  status.className = "fix-status";
  status.setAttribute("role", "status");
  const opener = (text, label, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn small fix-open";
    b.dataset.index = i;
    b.textContent = text;
    b.setAttribute("aria-expanded", "false");
    if (label) b.setAttribute("aria-label", label);
    b.addEventListener("click", () => {
      if (!picker.hidden && pickers.get(picker).opener === b) {
        closePicker(picker);
        return;
      }
      picker.setAttribute("aria-label", number ? `The right digit for digit ${i + 1} of ${job.name}` : `The right digit for ${job.name}`);
      openPicker(picker, b, (digit) => correct(job, i, digit, status));
    });
    return b;
  };
  if (number) {
    const lead = document.createElement("span");
    lead.className = "fix-lead";
    lead.textContent = "Wrong? Pick the right digit:";
    row.append(lead, ...r.digits.map((d, i) => opener(String(d.digit), `Digit ${i + 1}, read as ${d.digit}: wrong? Pick the right digit`, i)));
  } else {
    row.append(opener("Wrong? Pick the right digit", "", 0));
  }
  box.replaceChildren(row, picker, status);
}

// correct saves the card's image as an example of label: the file as it
// was uploaded, or for digit i of a number the image cropped to that
// digit's box.
async function correct(job, i, label, status) {
  const r = job.result;
  const number = isNumber(r);
  status.dataset.state = "saving";
  status.textContent = "Saving…";
  try {
    let blob = job.blob;
    let name = job.name;
    if (number) {
      blob = await cropDigit(job.blob, r.digits.map((d) => d.box), i);
      name = `${name.replace(/\.[^.]*$/, "")}-digit-${i + 1}.png`;
    }
    const saved = await saveSample(blob, name, label);
    showSaved(status, saved, number ? `Digit ${i + 1} saved as an example of ${label}.` : `Saved as an example of ${label}.`);
  } catch (err) {
    showFixError(status, err);
  }
}

// cropDigit cuts digit i out of an image, by the boxes the API gave (in
// the image's pixels, after EXIF orientation, as the browser decodes it
// too). The margin around the digit stops short of its neighbours' boxes,
// so the crop holds one digit.
async function cropDigit(blob, boxes, i) {
  let bmp;
  try {
    bmp = await createImageBitmap(blob);
  } catch {
    throw failure("This browser cannot open this image to cut the digit out of it; save the digit on its own instead (e.g. draw it and use Save as example).");
  }
  const b = boxes[i];
  const margin = Math.round(0.15 * Math.max(b.w, b.h)) + 2;
  const prev = boxes[i - 1];
  const next = boxes[i + 1];
  const left = Math.max(0, Math.min(b.x, Math.max(b.x - margin, prev ? prev.x + prev.w : 0)));
  const right = Math.min(bmp.width, Math.max(b.x + b.w, Math.min(b.x + b.w + margin, next ? next.x : Infinity)));
  const top = Math.max(0, b.y - margin);
  const bottom = Math.min(bmp.height, b.y + b.h + margin);
  const canvas = document.createElement("canvas");
  canvas.width = right - left;
  canvas.height = bottom - top;
  canvas.getContext("2d").drawImage(bmp, left, top, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return new Promise((resolve, reject) => canvas.toBlob((out) => (out ? resolve(out) : reject(failure("Cutting the digit out failed"))), "image/png"));
}

new MutationObserver((records) => {
  const seen = new Set();
  for (const rec of records) {
    const li = rec.target;
    if (li.classList.contains("result") && !seen.has(li)) {
      seen.add(li);
      renderFixes(li);
    }
  }
}).observe(gallery, { subtree: true, attributes: true, attributeFilter: ["data-state"] });

// ---- the drawing pad: Save as example ----------------------------------------

const saveExample = $("#save-example");
const padPicker = $("#pad-picker");
const padStatus = $("#pad-fix-status");

saveExample.addEventListener("click", () => {
  if (!padPicker.hidden) {
    closePicker(padPicker);
    return;
  }
  // A drawing read as one digit starts the keyboard on that digit.
  openPicker(padPicker, saveExample, savePad, pad.dataset.digit);
});

async function savePad(label) {
  padStatus.dataset.state = "saving";
  padStatus.textContent = "Saving…";
  try {
    const blob = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
    const saved = await saveSample(blob, "drawing.png", label);
    showSaved(padStatus, saved, `Drawing saved as an example of ${label}.`);
  } catch (err) {
    showFixError(padStatus, err);
  }
}

// The button works while the pad holds ink (the server checks that it is
// one digit); Clear closes the picker and forgets the last save's message.
new MutationObserver(() => {
  const empty = pad.dataset.state === "empty";
  saveExample.disabled = empty;
  if (empty) {
    closePicker(padPicker, false);
    delete padStatus.dataset.state;
    padStatus.replaceChildren();
  }
}).observe(pad, { attributes: true, attributeFilter: ["data-state"] });

// ---- Learn my handwriting ----------------------------------------------------

const accuracy = (x, digits) => `${(100 * x).toFixed(digits)}%`;

function seconds(s) {
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

async function refreshSamples() {
  let list;
  try {
    list = await getJSON("api/v1/samples");
  } catch {
    return; // the counts stay as they were; the next save tries again
  }
  $("#sample-counts").replaceChildren(
    ...list.counts.map((n, d) => {
      const li = document.createElement("li");
      li.className = n ? "count" : "count none";
      li.setAttribute("aria-label", `${d}: ${plural(n, "example", "examples")}`);
      li.innerHTML = '<span class="count-d"></span><span class="count-n"></span>';
      $(".count-d", li).textContent = d;
      $(".count-n", li).textContent = n;
      return li;
    }),
  );
  samplesReady = list.ready;
  $("#samples-advice").textContent = list.ready ? `${plural(list.total, "example", "examples")} saved: enough to learn from.` : list.advice;
  $("#samples-zip").hidden = list.total === 0;
  updateLearnButton();
}

function updateLearnButton() {
  $("#learn-start").disabled = tuning || !samplesReady;
}

// The live region speaks when the stage changes and when the job ends,
// not at each percent.
function say(text, error = false) {
  const el = $("#learn-status");
  el.classList.toggle("error", error);
  if (el.textContent !== text) el.textContent = text;
}

// showJob shows what GET api/v1/finetune says.
function showJob(st) {
  tuning = st.state === "running";
  learnPanel.dataset.state = st.state;
  $("#learn-progress").hidden = !tuning;
  const percent = Math.round(100 * st.fraction);
  $("#learn-fill").style.width = `${percent}%`;
  $("#learn-bar").setAttribute("aria-valuenow", percent);
  $("#learn-result").hidden = st.state !== "done";
  if (tuning) {
    say(`Learning your handwriting: ${st.stage}…`);
    $("#learn-detail").textContent = `${percent}% · ${seconds(st.elapsed_seconds)}`;
  } else if (st.state === "done") {
    const r = st.result;
    $("#result-held-out").textContent = r.folds > 1 ? `${accuracy(r.held_out_before, 1)} → ${accuracy(r.held_out_after, 1)}` : "not measured";
    $("#result-mnist").textContent = `${accuracy(r.mnist_before, 2)} → ${accuracy(r.mnist_after, 2)}`;
    say(`Learnt from ${plural(r.samples, "example", "examples")} in ${seconds(st.elapsed_seconds)}: the new model is in use.`);
  } else if (st.error) {
    say(st.error, true);
  }
  updateLearnButton();
}

function poll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    let st;
    try {
      st = await getJSON("api/v1/finetune");
    } catch {
      poll(); // the server may be busy or restarting: keep asking
      return;
    }
    const was = tuning;
    showJob(st);
    if (st.state === "running") poll();
    else if (was && st.state === "done") modelChanged();
  }, 500);
}

$("#learn-start").addEventListener("click", async () => {
  $("#learn-start").disabled = true;
  $("#learn-result").hidden = true;
  say("Starting…");
  try {
    showJob(await write("POST", "api/v1/finetune"));
    poll();
  } catch (err) {
    say(err.message, true);
    updateLearnButton();
  }
});

$("#rollback").addEventListener("click", async () => {
  try {
    await write("POST", "api/v1/model/rollback");
    $("#learn-result").hidden = true;
    say("Back to the previous model.");
    await modelChanged();
  } catch (err) {
    say(err.message, true);
  }
});

// showModel says which model is in use and whether there is one to go
// back to.
function showModel(m) {
  const ft = m.training && m.training.fine_tune;
  const sha = m.sha256 ? ` (${m.sha256.slice(0, 12)})` : "";
  let text = `In use: ${m.source === "embedded" ? "the built-in model" : m.source}${sha}`;
  if (ft) text = `In use: tuned to ${plural(ft.samples, "example", "examples")} on ${new Date(ft.date).toLocaleString()}${sha}`;
  $("#learn-model").textContent = text;
  $("#rollback").hidden = !(m.capabilities && m.capabilities.rollback);
}

// modelChanged shows the new model and reads every image again with it,
// so no card shows what the old model read.
async function modelChanged() {
  const m = await loadModel();
  if (m) showModel(m);
  for (const li of gallery.children) if (li.dataset.state === "done") enqueue(jobs.get(li));
  refreshNow();
  if (pad.dataset.state === "done") {
    dirty = true;
    schedule(true);
  }
}

modelLoaded.then((m) => {
  if (!m || !m.capabilities || !m.capabilities.samples) return;
  learning = true;
  document.body.classList.add("learning");
  learnPanel.hidden = false;
  showModel(m);
  refreshSamples();
  getJSON("api/v1/finetune")
    .then((st) => {
      showJob(st);
      if (st.state === "running") poll();
    })
    .catch(() => {});
  for (const li of gallery.children) renderFixes(li);
});
