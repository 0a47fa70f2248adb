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
  renderPartners(report.partners);
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

// Partner agencies' lists (docs/exchange.md): a hit is the partner's word,
// to be confirmed by quoting its reference; what the partner shares of its
// record (its feed_details) is shown as the partner's.
function renderPartners(partners) {
  const box = $("partners");
  box.replaceChildren();
  for (const p of partners || []) {
    if (p.status === "unavailable") {
      box.append(el("p", { class: "box warn", "data-partner": p.partner },
        "Partner " + p.partner + " could not be checked — NOT a pass. " + (p.detail || "")));
      continue;
    }
    if (p.status === "clear") {
      box.append(el("p", { class: "box ok", "data-partner": p.partner },
        "Not on partner " + p.partner + "'s lists."));
      continue;
    }
    for (const h of p.hits || []) {
      const shared = (h.shared || []).map((d) => d.document_type + " " + d.status.replace("_", " ") +
        (d.date_reported ? ", reported " + d.date_reported : "") +
        (d.expiry_date ? ", expiry " + d.expiry_date : ""));
      box.append(el("div", { class: "box bad hit", "data-partner": p.partner },
        el("strong", {}, (h.match === "exact" ? "On partner " : "Possible match on partner ") +
          p.partner + "'s list " + h.list),
        " — ask the partner to confirm, quoting ", el("code", {}, h.reference),
        shared.length ? el("div", { class: "shared" }, "The partner's record: " + shared.join("; ")) : null));
    }
  }
  box.hidden = !(partners || []).length;
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

// --- bulk checks ----------------------------------------------------------
// A visa section's file of applications (CSV with a header row, or JSON
// Lines; the columns of `tdv bulk`), parsed here and sent to
// POST /v1/verify/batch in groups of BULK_GROUP rows; the answers are kept
// in this tab only and downloaded as CSV or JSON Lines like `tdv bulk`'s.

const BULK_GROUP = 500;  // under the batch route's 1,024 rows in flight
const BULK_COLUMNS = ["id", "mrz", "image", "seal", "passport_number", "visa_category"];
const BULK_SHOWN = 300;
let bulk = null;  // { name, rows, done, stopping, started }

// RFC 4180 records: [{ line, fields }], `line` the record's first line.
function csvRecords(text) {
  const out = [];
  let fields = [], field = "", quoted = false, line = 1, start = 1, any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === "\n") line++; field += c; }
    } else if (c === '"' && field === "") { quoted = true; any = true; }
    else if (c === ",") { fields.push(field); field = ""; any = true; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      if (any || field !== "") out.push({ line: start, fields });
      fields = []; field = ""; any = false; line++; start = line;
    } else { field += c; any = true; }
  }
  if (quoted) throw new Error("line " + start + ": a quoted field is not closed");
  if (any || field !== "") { fields.push(field); out.push({ line: start, fields }); }
  return out;
}

// The rows of the file: { line, id, mrz, passport_number, visa_category,
// error }. Throws (nothing is checked) on an unknown column or a header
// with no mrz column: a misspelt column must not be dropped silently.
function parseApplications(text, name) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = text.trimStart()[0];
  const rows = [];
  if (!/\.csv$/i.test(name) && first === "{") {
    text.split(/\r?\n/).forEach((l, i) => {
      if (!l.trim()) return;
      const row = { line: i + 1 };
      try {
        const o = JSON.parse(l);
        if (o === null || typeof o !== "object" || Array.isArray(o)) throw new Error("not a JSON object");
        for (const [k, v] of Object.entries(o)) {
          if (!BULK_COLUMNS.includes(k)) throw new Error('unknown member "' + k + '"');
          if (k === "mrz" && Array.isArray(v)) row.mrz = v.join("\n");
          else if (k === "id" && typeof v === "number") row.id = String(v);
          else if (typeof v !== "string") throw new Error('"' + k + '" must be a string');
          else row[k] = v;
        }
      } catch (e) {
        row.error = e.message;
      }
      rows.push(row);
    });
    return rows;
  }
  const records = csvRecords(text);
  if (!records.length) throw new Error("the file is empty");
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  for (const h of header) {
    if (!BULK_COLUMNS.includes(h))
      throw new Error('line 1: unknown column "' + h + '" (known: ' + BULK_COLUMNS.join(", ") + ")");
  }
  if (!header.includes("mrz") && !header.includes("image"))
    throw new Error("line 1: the header names neither mrz nor image");
  for (const r of records.slice(1)) {
    const row = { line: r.line };
    if (r.fields.length > header.length) row.error = "the row has more fields than the header";
    header.forEach((h, k) => { if (r.fields[k]) row[h] = r.fields[k]; });
    rows.push(row);
  }
  return rows;
}

// A row's own faults, found before anything is sent.
function rowProblem(row, seen) {
  if (row.error) return row.error;
  if (row.image || row.seal) return "image and seal paths are read by tdv bulk, not by this page";
  if (!row.mrz || !row.mrz.trim()) return "the row has no mrz";
  if (row.id !== undefined) {
    if (seen.has(row.id)) return 'the id "' + row.id + '" was seen before';
    seen.add(row.id);
  }
  return null;
}

function bulkRank(row) {
  if (row.error) return 2;
  return { reject: 0, review: 1, clear: 3 }[row.report.verdict];
}

function bulkCount() {
  const c = { rows: 0, clear: 0, review: 0, reject: 0, list_hits: 0, errors: 0 };
  for (const r of bulk.rows.slice(0, bulk.done)) {
    c.rows++;
    if (r.error) c.errors++;
    else {
      c[r.report.verdict]++;
      if (((r.report.lists || {}).hits || []).length) c.list_hits++;
    }
  }
  return c;
}

function bulkProgress() {
  const total = bulk.rows.length, done = bulk.done;
  const secs = (performance.now() - bulk.started) / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const left = rate > 0 ? Math.round((total - done) / rate) : null;
  $("bulk-progress").max = Math.max(1, total);
  $("bulk-progress").value = done;
  $("bulk-status").textContent = done.toLocaleString("en") + " of " + total.toLocaleString("en") +
    " rows checked · " + Math.round(rate) + " rows/s" +
    (left !== null && done < total ? " · about " + left + " s left" : "");
}

async function bulkGroup(group) {
  const specimens = $("specimens").checked;
  const body = group.map((row) => {
    const item = { mrz: row.mrz.trim().toUpperCase(), allow_specimens: specimens };
    if (row.id !== undefined) item.id = row.id;
    if (row.passport_number) item.passport_number = row.passport_number;
    if (row.visa_category) item.visa_category = row.visa_category;
    return JSON.stringify(item);
  }).join("\n") + "\n";
  const r = await fetch("/v1/verify/batch", {
    method: "POST",
    headers: Object.assign({ "Content-Type": "application/x-ndjson" }, authHeaders()),
    body,
  });
  if (r.status === 401) {
    signOut();
    $("signin-error").textContent = "The key is no longer valid; sign in again.";
    throw new Error("signed out");
  }
  if (r.status === 403)
    throw new Error("this key's role may not run bulk checks (a visa-section, integrator or admin key may)");
  if (!r.ok) throw new Error("TDV answered " + r.status + ": " + (await problemText(r)));
  let summary = false;
  for (const l of (await r.text()).split("\n")) {
    if (!l.trim()) continue;
    const a = JSON.parse(l);
    if (a.summary) { summary = true; continue; }
    const row = group[a.line - 1];
    if (!row) continue;
    if (a.report) row.report = a.report;
    else {
      row.problem = a.error;
      row.error = a.error.title + (a.error.detail ? ": " + a.error.detail : "");
    }
  }
  // A stream without its summary was cut short: its unanswered rows are
  // said to be unanswered, never passed.
  if (!summary || group.some((row) => !row.report && !row.error))
    throw new Error("TDV's answer was cut short; the rows after line " +
      (group.find((row) => !row.report && !row.error) || group[0]).line + " were not checked");
}

async function runBulk() {
  $("bulk-problem").textContent = "";
  $("bulk-start").disabled = true;
  $("bulk-stop").disabled = false;
  $("bulk-progress").hidden = false;
  $("bulk-result").hidden = true;
  bulk.done = 0;
  bulk.stopping = false;
  bulk.started = performance.now();
  const seen = new Set();
  for (const row of bulk.rows) {
    delete row.report;
    delete row.problem;
    row.error = rowProblem(row, seen) || undefined;
    row.sent = !row.error;
  }
  let stopped = null;
  while (bulk.done < bulk.rows.length) {
    if (bulk.stopping) { stopped = "stopped"; break; }
    const end = Math.min(bulk.rows.length, bulk.done + BULK_GROUP);
    const group = bulk.rows.slice(bulk.done, end).filter((row) => row.sent);
    try {
      if (group.length) await bulkGroup(group);
    } catch (e) {
      stopped = e.message;
      if (e.message === "signed out") {
        $("bulk-stop").disabled = true;
        $("bulk-start").disabled = false;
        return;
      }
      // Rows answered before the cut are kept; the group is not counted done.
      for (const row of group) if (!row.report && !row.error) row.error = "not checked: " + e.message;
      bulk.done = end;
      break;
    }
    bulk.done = end;
    bulkProgress();
  }
  bulkProgress();
  $("bulk-stop").disabled = true;
  $("bulk-start").disabled = false;
  if (stopped) $("bulk-problem").textContent = "Bulk check stopped: " + stopped + ". Rows after line " +
    (bulk.rows[bulk.done - 1] || { line: 0 }).line + " were not checked; the download holds the rows checked.";
  showBulk(!stopped);
}

function bulkDocument(report) {
  const f = (report.mrz || {}).fields || {};
  return [f.issuing_state, f.document_code, f.document_number].filter(Boolean).join(" ");
}

function showBulk(complete) {
  const c = bulkCount();
  bulk.complete = complete;
  $("bulk-summary").textContent = c.rows + " rows: " + c.clear + " clear, " + c.review + " review, " +
    c.reject + " reject, " + c.errors + " not checkable, " + c.list_hits + " with list hits" +
    (complete ? "." : " (incomplete).");
  const attention = bulk.rows.slice(0, bulk.done).filter((r) => bulkRank(r) < 3)
    .sort((a, b) => bulkRank(a) - bulkRank(b) || a.line - b.line);
  $("bulk-rows").tBodies[0].replaceChildren(...attention.slice(0, BULK_SHOWN).map((r) =>
    el("tr", { "data-line": r.line },
      el("td", {}, r.line), el("td", {}, r.id === undefined ? "" : r.id),
      el("td", { class: r.error ? "warn" : r.report.verdict === "reject" ? "bad" : "warn" },
        r.error ? "error" : r.report.verdict),
      el("td", {}, r.error ? "" : bulkDocument(r.report)),
      el("td", {}, r.error ? r.error : r.report.reasons.map((x) => x.code).join(", ")))));
  $("bulk-more").textContent = (attention.length > BULK_SHOWN
    ? (attention.length - BULK_SHOWN) + " more rows need attention (in the download). " : "") +
    (c.clear === 1 ? "1 clear row is in the download only." : c.clear ? c.clear + " clear rows are in the download only." : "");
  $("bulk-result").hidden = false;
}

function csvField(v) {
  const s = String(v === undefined || v === null ? "" : v).replace(/[\r\n]+/g, " ");
  return /[",]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// As `tdv bulk --format csv`: one record per row, the same columns.
function bulkCsv() {
  const out = ["id,line,verdict,reasons,format,document_code,issuing_state,document_number," +
    "nationality,birth_date,expiry_date,list_hits,error"];
  for (const r of bulk.rows.slice(0, bulk.done)) {
    let f;
    if (r.error) {
      f = [r.id, r.line, "", "", "", "", "", "", "", "", "", "", r.error];
    } else {
      const m = r.report.mrz || {}, d = m.fields || {};
      const hits = ((r.report.lists || {}).hits || []).map((h) => [h.match, h.list,
        (h.record || {}).status, (h.record || {}).reporting_agency].filter(Boolean).join(" "));
      f = [r.id, r.line, r.report.verdict, r.report.reasons.map((x) => x.code).join(";"), m.format,
        d.document_code, d.issuing_state, d.document_number, d.nationality,
        d.birth_date || d.birth_date_raw, d.expiry_date || d.expiry_date_raw, hits.join(";"), ""];
    }
    out.push(f.map(csvField).join(","));
  }
  return out.join("\n") + "\n";
}

// As `tdv bulk`'s JSON Lines: a line per row, then the summary.
function bulkJsonl() {
  const out = bulk.rows.slice(0, bulk.done).map((r) => {
    const a = r.id === undefined ? { line: r.line } : { id: r.id, line: r.line };
    if (r.error) a.error = r.problem || { title: "Not checked", detail: r.error };
    else a.report = r.report;
    return JSON.stringify(a);
  });
  const c = bulkCount();
  out.push(JSON.stringify({ summary: { rows: c.rows, clear: c.clear, review: c.review,
    reject: c.reject, list_hits: c.list_hits, errors: c.errors, complete: !!bulk.complete } }));
  return out.join("\n") + "\n";
}

function download(text, type, suffix) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: bulk.name.replace(/\.[^.]*$/, "") + suffix });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

$("bulk-file").addEventListener("change", async () => {
  const f = $("bulk-file").files[0];
  $("bulk-problem").textContent = "";
  $("bulk-result").hidden = true;
  $("bulk-progress").hidden = true;
  $("bulk-status").textContent = "";
  $("bulk-start").disabled = true;
  bulk = null;
  if (!f) return;
  $("bulk-name").textContent = f.name;
  try {
    const rows = parseApplications(await f.text(), f.name);
    bulk = { name: f.name, rows, done: 0 };
    $("bulk-status").textContent = rows.length.toLocaleString("en") + " rows to check.";
    $("bulk-start").disabled = rows.length === 0;
  } catch (e) {
    $("bulk-problem").textContent = "This file cannot be checked: " + e.message + ". Nothing was sent.";
  }
});
$("bulk-start").addEventListener("click", () => { if (bulk) runBulk(); });
$("bulk-stop").addEventListener("click", () => { if (bulk) bulk.stopping = true; });
$("bulk-csv").addEventListener("click", () => download(bulkCsv(), "text/csv", "-answers.csv"));
$("bulk-jsonl").addEventListener("click", () => download(bulkJsonl(), "application/x-ndjson", "-answers.jsonl"));

if (sessionStorage.getItem(KEY)) showDesk();
else $("key").focus();
