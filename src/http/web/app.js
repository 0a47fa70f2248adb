// SPDX-License-Identifier: Apache-2.0
// The officer's page: sign in with a key (kept in this tab's sessionStorage
// only), check an image or MRZ text with POST /v1/verify, show the verdict
// and everything behind it. Plain JavaScript, no build step, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "tdv.key";
let imageFile = null;
let imageUrl = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function authHeaders() {
  return { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
}

// --- signing in -----------------------------------------------------------

async function signIn(key) {
  $("signin-error").textContent = "";
  // An empty request: 422 means the key may check documents (nothing is
  // checked or recorded); 401 and 403 say why not.
  let r;
  try {
    r = await fetch("/v1/verify", {
      method: "POST",
      headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
      body: "{}",
    });
  } catch (e) {
    $("signin-error").textContent = "TDV cannot be reached: " + e.message;
    return;
  }
  if (r.status === 401) {
    $("signin-error").textContent = "This key is unknown, wrong or revoked.";
    return;
  }
  if (r.status === 403) {
    $("signin-error").textContent = "This key's role may not check documents.";
    return;
  }
  if (r.status !== 422 && !r.ok) {
    $("signin-error").textContent = "TDV answered " + r.status + ": " + (await problemText(r));
    return;
  }
  sessionStorage.setItem(KEY, key);
  showDesk();
}

function signOut() {
  sessionStorage.removeItem(KEY);
  $("desk").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("key").value = "";
  $("key").focus();
}

function showDesk() {
  const key = sessionStorage.getItem(KEY) || "";
  const id = key.split("_")[1] || "";
  $("who").textContent = id ? "key " + id : "";
  $("signin").hidden = true;
  $("signout").hidden = false;
  $("desk").hidden = false;
  $("mrz").focus();
  startWatch();
}

// --- checking -------------------------------------------------------------

async function problemText(r) {
  try {
    const p = await r.json();
    return (p.title || "") + (p.detail ? ": " + p.detail : "");
  } catch (e) {
    return r.statusText;
  }
}

function setImage(file) {
  imageFile = file;
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = file ? URL.createObjectURL(file) : null;
  $("image-name").textContent = file ? "Image: " + file.name : "";
}

async function check() {
  const text = $("mrz").value.trim();
  if (!imageFile && !text) {
    $("problem").textContent = "Give an image or the MRZ text.";
    return;
  }
  const specimens = $("specimens").checked;
  let init;
  if (imageFile) {
    const form = new FormData();
    form.append("image", imageFile, imageFile.name || "scan");
    init = { method: "POST", headers: authHeaders(), body: form };
  } else {
    init = {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json" }, authHeaders()),
      body: JSON.stringify({ mrz: text.toUpperCase(), allow_specimens: specimens }),
    };
  }
  const url = "/v1/verify" + (imageFile ? "?allow_specimens=" + specimens : "");
  $("problem").textContent = "";
  $("status").textContent = "Checking…";
  $("result").hidden = true;
  const started = performance.now();
  let r;
  try {
    r = await fetch(url, init);
  } catch (e) {
    $("status").textContent = "";
    $("problem").textContent = "TDV cannot be reached: " + e.message + ". Nothing was checked.";
    return;
  }
  $("status").textContent = "";
  if (r.status === 401) {
    signOut();
    $("signin-error").textContent = "The key is no longer valid; sign in again.";
    return;
  }
  if (!r.ok) {
    $("problem").textContent =
      "Not checked — " + (await problemText(r)) + ". Check the document by hand or rescan it.";
    return;
  }
  const report = await r.json();
  render(report);
  $("status").textContent = "Verdict: " + report.verdict + ". Checked in " +
    Math.round(performance.now() - started) + " ms. Type or scan the next MRZ, or Escape to clear.";
  // The next document's MRZ replaces this one as it is typed or scanned.
  $("mrz").focus();
  $("mrz").select();
}

function nextDocument() {
  setImage(null);
  $("image").value = "";
  $("mrz").value = "";
  $("problem").textContent = "";
  $("status").textContent = "";
  $("result").hidden = true;
  $("mrz").focus();
}

// --- the result -----------------------------------------------------------

const VERDICT_WORDS = {
  clear: "the document passes every check",
  review: "a person must look at this document",
  reject: "do not accept this document",
};

const FIELD_LABELS = [
  ["document_code", "Document code"],
  ["issuing_state", "Issuing state"],
  ["document_number", "Document number"],
  ["primary_identifier", "Surname"],
  ["secondary_identifier", "Given names"],
  ["nationality", "Nationality"],
  ["birth_date", "Date of birth"],
  ["sex", "Sex"],
  ["expiry_date", "Date of expiry"],
  ["optional_data", "Optional data"],
  ["optional_data_2", "Optional data 2"],
];

function render(report) {
  const v = $("verdict");
  v.className = "verdict " + report.verdict;
  v.replaceChildren(el("span", { class: "word" }, report.verdict),
    el("span", { class: "why" }, " — " + (VERDICT_WORDS[report.verdict] || "")));
  const reasons = $("reasons");
  reasons.replaceChildren(...report.reasons.map((r) => el("li", { "data-code": r.code }, r.message)));
  $("notes").replaceChildren(...(report.notes || []).map((n) => el("li", {}, n.message)));
  renderMrz(report);
  renderFields(report);
  renderLists(report.lists);
  renderSignatures(report);
  $("checks").tBodies[0].replaceChildren(
    ...report.checks.map((c) =>
      el("tr", { "data-check": c.name }, el("td", {}, c.name),
        el("td", { class: c.status === "pass" ? "ok" : c.status === "fail" ? "bad" : "warn" },
          c.status.replace("_", " ")),
        el("td", {}, c.detail))));
  renderImage(report);
  $("result").hidden = false;
}

function renderMrz(report) {
  const mrz = report.mrz || {};
  const lines = mrz.lines || [];
  const marks = lines.map((l) => new Array(l.length).fill(null).map(() => new Set()));
  const title = lines.map((l) => new Array(l.length).fill(""));
  const mark = (line, pos, cls, why) => {
    if (line >= 1 && line <= marks.length && pos >= 1 && pos <= marks[line - 1].length) {
      marks[line - 1][pos - 1].add(cls);
      if (why) title[line - 1][pos - 1] = why;
    }
  };
  for (const c of mrz.check_digits || [])
    mark(c.line, c.start, c.ok ? "cd-ok" : "cd-bad",
      c.ok ? c.field + " check digit holds" : c.field + " check digit " + c.actual + ", expected " + c.expected);
  const img = report.image || {};
  for (const u of img.uncertain || []) mark(u.line, u.position, "uncertain", "uncertain: " + u.reason);
  for (const f of img.repairs || []) mark(f.line, f.position, "repaired", "read " + f.from + ", repaired to " + f.to + " (" + f.reason + ")");
  const pre = $("mrz-lines");
  pre.replaceChildren();
  lines.forEach((l, i) => {
    const line = el("span", { class: "line", "data-line": i + 1 });
    for (let k = 0; k < l.length; k++) {
      const cls = [...marks[i][k]].join(" ");
      if (cls) line.append(el("span", { class: cls, title: title[i][k] }, l[k]));
      else line.append(l[k]);
    }
    pre.append(line, "\n");
  });
}

function age(birth, asOf) {
  if (!birth || !asOf) return null;
  const [by, bm, bd] = birth.split("-").map(Number);
  const [ay, am, ad] = asOf.split("-").map(Number);
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}

function renderFields(report) {
  const mrz = report.mrz || {};
  const f = mrz.fields || {};
  const digits = {};
  for (const c of mrz.check_digits || []) digits[c.field] = c;
  const errors = {};
  for (const e of mrz.errors || []) (errors[e.field] = errors[e.field] || []).push(e.message);
  const rows = [];
  for (const [name, label] of FIELD_LABELS) {
    if (!(name in f)) continue;
    let value = f[name] === null ? "" : String(f[name]);
    if (name === "birth_date") {
      const a = age(f.birth_date, report.as_of);
      if (a !== null) value += " (age " + a + ")";
    }
    if (name === "expiry_date" && report.expiry) value += " (" + report.expiry.replace("_", " ") + ")";
    const key = name === "primary_identifier" || name === "secondary_identifier" ? "name" : name;
    const c = digits[name];
    let state = "—", cls = "";
    if (c) {
      state = c.ok ? "holds" : "wrong: " + c.actual + ", expected " + c.expected;
      cls = c.ok ? "ok" : "bad";
    }
    if (errors[key]) {
      state = errors[key].join("; ");
      cls = "bad";
    }
    rows.push(el("tr", { "data-field": name }, el("th", { scope: "row" }, label), el("td", {}, value),
      el("td", { class: cls }, state)));
  }
  if (digits.composite) {
    const c = digits.composite;
    rows.push(el("tr", { "data-field": "composite" }, el("th", { scope: "row" }, "Composite"), el("td", {}, ""),
      el("td", { class: c.ok ? "ok" : "bad" }, c.ok ? "holds" : "wrong: " + c.actual + ", expected " + c.expected)));
  }
  $("fields").tBodies[0].replaceChildren(...rows);
}

function ageText(seconds) {
  if (seconds === undefined || seconds === null || seconds < 0) return "age unknown";
  if (seconds < 120) return "updated " + seconds + " s ago";
  if (seconds < 7200) return "updated " + Math.round(seconds / 60) + " min ago";
  if (seconds < 172800) return "updated " + Math.round(seconds / 3600) + " h ago";
  return "updated " + Math.round(seconds / 86400) + " days ago";
}

function renderLists(lists) {
  const box = $("lists");
  box.replaceChildren();
  if (!lists) {
    box.append(el("p", { class: "box warn" }, "The lists were not consulted."));
    return;
  }
  if (lists.status === "unavailable") {
    box.append(el("p", { class: "box warn", id: "lists-unavailable" },
      "Lists unavailable — this document was NOT checked against the lost and stolen lists. " + (lists.detail || "")));
  } else if (lists.status === "no_lists") {
    box.append(el("p", { class: "box warn" }, "No list is loaded: " + (lists.detail || "")));
  } else if (lists.status === "clear") {
    box.append(el("p", { class: "box ok" }, "Not on any list consulted."));
  }
  for (const h of lists.hits || []) {
    const r = h.record || {};
    box.append(el("div", { class: "box bad hit" },
      el("strong", {}, (h.match === "exact" ? "Listed: " : "Possible match: ") + (r.status || "").replace("_", " ")),
      " — list ", h.list, r.reporting_agency ? ", reported by " + r.reporting_agency : "",
      r.date_reported ? " on " + r.date_reported : "",
      ", " + r.issuing_state + " " + r.document_type + " " + r.document_number,
      h.match !== "exact" && h.differing_positions && h.differing_positions.length
        ? " (differs at position " + h.differing_positions.join(", ") + ")" : ""));
  }
  if ((lists.consulted || []).length) {
    box.append(el("ul", { class: "hint" }, ...lists.consulted.map((l) =>
      el("li", {}, l.name + " (" + l.source + ", " + l.records + " records, " + ageText(l.age_seconds) + ")"))));
  }
}

function renderSignatures(report) {
  const box = $("sigs");
  box.replaceChildren();
  const one = (label, s) => {
    const good = s.status === "valid";
    box.append(el("div", { class: "box " + (good ? "ok" : "bad"), "data-sig": label },
      el("strong", {}, label + ": " + s.status.replace(/_/g, " ")), " — ", s.detail || "",
      s.signer && s.signer.subject ? el("div", { class: "hint" }, "signed by " + s.signer.subject) : null));
  };
  if (report.seal) one("Visible digital seal", report.seal);
  if (report.chip) one("Chip (passive authentication)", report.chip);
  if (!report.seal && !report.chip) box.append(el("p", { class: "hint" }, "No seal or chip data with this document."));
}

function renderImage(report) {
  const fig = $("figure");
  const img = report.image;
  if (!imageUrl || !img) {
    fig.hidden = true;
    return;
  }
  const picture = new Image();
  picture.onload = () => {
    const canvas = $("canvas");
    const scale = Math.min(1, 900 / picture.naturalWidth);
    canvas.width = Math.round(picture.naturalWidth * scale);
    canvas.height = Math.round(picture.naturalHeight * scale);
    const g = canvas.getContext("2d");
    g.drawImage(picture, 0, 0, canvas.width, canvas.height);
    const outline = (poly, colour) => {
      if (!poly || poly.length !== 4) return;
      g.strokeStyle = colour;
      g.lineWidth = 4;
      g.beginPath();
      poly.forEach(([x, y], i) => (i ? g.lineTo(x * scale, y * scale) : g.moveTo(x * scale, y * scale)));
      g.closePath();
      g.stroke();
    };
    outline(img.polygon, "#1a4fd6");
    if (report.seal && report.seal.polygon) outline(report.seal.polygon, "#b00020");
  };
  picture.src = imageUrl;
  $("figcaption").textContent = "MRZ outlined in blue" + (report.seal && report.seal.polygon ? ", seal in red" : "") +
    (img.rotation_degrees ? "; turned " + img.rotation_degrees + "°" : "");
  fig.hidden = false;
}

// --- the scanner folder (tdv serve --watch DIR) ----------------------------

let watching = false;

// Asks every second for scans that arrived since the last answer's cursor
// (the first answer only gives the cursor: what was there before is not
// news), and checks each in turn. Stops when no folder is watched (404) or
// the officer signs out.
async function startWatch() {
  if (watching) return;
  watching = true;
  let cursor = null;
  while (sessionStorage.getItem(KEY)) {
    let r = null;
    try {
      r = await fetch("/v1/scans" + (cursor === null ? "" : "?after=" + encodeURIComponent(cursor)),
        { headers: authHeaders() });
    } catch (e) {
      r = null;
    }
    if (r && r.status === 404) break;
    if (r && r.ok) {
      const body = await r.json();
      $("watch").hidden = false;
      cursor = body.cursor;
      for (const s of body.scans) {
        const got = await fetch("/v1/scans/" + encodeURIComponent(s.name), { headers: authHeaders() });
        if (!got.ok) continue;
        const blob = await got.blob();
        $("scans").prepend(el("li", {}, s.name));
        setImage(new File([blob], s.name, { type: blob.type }));
        $("mrz").value = "";
        await check();
      }
    }
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  watching = false;
}

// --- wiring ---------------------------------------------------------------

$("signin-form").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn($("key").value.trim());
});
$("signout").addEventListener("click", signOut);
$("check-form").addEventListener("submit", (e) => {
  e.preventDefault();
  check();
});
$("next").addEventListener("click", nextDocument);
$("image").addEventListener("change", () => {
  setImage($("image").files[0] || null);
  if (imageFile) $("mrz").value = "";
});
$("mrz").addEventListener("input", () => {
  if ($("mrz").value.trim() && imageFile) setImage(null);
});
// Enter checks once the text holds a whole MRZ (two lines of 44 or 36, or
// three of 30): a keyboard-wedge MRZ reader types each line and Enter, so an
// Enter after the first line starts the next one. Shift+Enter always does.
function wholeMrz(text) {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l);
  const n = lines.map((l) => l.length);
  if (lines.length === 1) return [72, 88, 90].includes(n[0]);
  if (lines.length === 2) return n[0] === n[1] && (n[0] === 44 || n[0] === 36);
  return lines.length === 3 && n.every((k) => k === 30);
}
$("mrz").addEventListener("keydown", (e) => {
  if (e.key !== "Enter" || e.shiftKey) return;
  const text = $("mrz").value;
  if (imageFile || wholeMrz(text) || (e.ctrlKey && text.trim())) {
    e.preventDefault();
    check();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("desk").hidden) {
    e.preventDefault();
    nextDocument();
  }
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = e.dataTransfer.files[0];
  if (f) {
    setImage(f);
    $("mrz").value = "";
    check();
  }
});
document.addEventListener("paste", (e) => {
  const item = [...(e.clipboardData || {}).items || []].find((i) => i.type.startsWith("image/"));
  if (item) {
    setImage(item.getAsFile());
    check();
  }
});

if (sessionStorage.getItem(KEY)) showDesk();
else $("key").focus();
