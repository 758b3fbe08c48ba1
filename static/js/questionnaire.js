// show_if as the server decides it (survey/showif.go): the same rules, the
// same numbers. A condition arrives as the small tree that survey.Cond
// marshals to; values(id) gives an item's current values (none when
// unanswered or not applicable). survey/testdata/showif_cases.json holds
// both evaluators to one table of cases.
var MarsadShowIf = (function () {
  "use strict";
  var maxNumberLen = 30; // survey.maxNumberLen

  // parseNumber reads a number as survey.ParseNumber does: Western,
  // Arabic-Indic or Eastern Arabic-Indic digits, a sign, "." or "٫", and
  // thousands separators ("," or "٬") ignored. Anything else is NaN.
  function parseNumber(s) {
    s = String(s)
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x660); })
      .replace(/[\u06F0-\u06F9]/g, function (d) { return String(d.charCodeAt(0) - 0x6F0); })
      .trim()
      .replace(/\u066B/g, ".")
      .replace(/[\u066C,]/g, "");
    if (s === "" || s.length > maxNumberLen || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) { return NaN; }
    var x = parseFloat(s);
    return isFinite(x) ? x : NaN;
  }

  function equal(lit, v) { return lit.num ? parseNumber(v) === lit.n : v === lit.t; }

  function evaluate(n, values) {
    if (!n) { return true; }
    switch (n.op) {
      case "or": return evaluate(n.l, values) || evaluate(n.r, values);
      case "and": return evaluate(n.l, values) && evaluate(n.r, values);
      case "not": return !evaluate(n.x, values);
      case "has": return values(n.id).length > 0;
    }
    var vals = values(n.id);
    if (!vals.length) { return false; }
    if (n.op === "==" || n.op === "in") {
      return vals.some(function (v) { return n.lits.some(function (l) { return equal(l, v); }); });
    }
    if (n.op === "!=") { return !vals.some(function (v) { return equal(n.lits[0], v); }); }
    var x = parseNumber(vals[0]);
    if (isNaN(x) || !n.lits[0].num) { return false; }
    var y = n.lits[0].n;
    switch (n.op) {
      case ">": return x > y;
      case ">=": return x >= y;
      case "<": return x < y;
    }
    return x <= y;
  }

  return { parseNumber: parseNumber, evaluate: evaluate };
})();

// The questionnaire page: every answer saves itself; answers given while
// offline wait in localStorage and are sent when the connection returns;
// another person's newer answer is shown, never overwritten; show_if and the
// progress counters follow the answers live; a service worker (sw.js) keeps
// a copy of the sections so that the page reloads while offline.
//
// Robust by construction: the retry timers are registered before anything
// else, and each question is set up on its own, so that one unusual
// question (a catalog metric has no answer fields) cannot stop the rest.
(function () {
  "use strict";
  var root = document.querySelector(".response[data-api]");
  if (!root || !window.fetch || !window.JSON) { return; }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // Keep a copy of every section of this response (the service worker
      // fetches only those it has no copy of yet).
      var urls = [];
      root.querySelectorAll(".section-nav a[href^='?section=']").forEach(function (a) { urls.push(a.href); });
      if (reg.active) { reg.active.postMessage({ type: "keep", user: root.getAttribute("data-user") || "", urls: urls }); }
    }).catch(function () {});
  }
  if (!root.hasAttribute("data-editable")) { return; }

  var api = root.getAttribute("data-api");
  var csrf = root.getAttribute("data-csrf");
  var who = root.getAttribute("data-user") || "";
  var statusEl = root.querySelector(".autosave-status");
  var queueKey = "marsad-queue:" + who + ":" + api;
  var knownKey = "marsad-known:" + who + ":" + api;
  var busy = false;
  // closed: the server said the deadline has passed. Nothing more is sent
  // (trying again would not change its answer); what was typed stays in
  // the queue, and an extension granted later sends it on the next visit.
  var closed = false;
  var timers = {};
  var forms = {}; // item id → its fieldset, for the answerable items of this section

  window.addEventListener("online", flush);
  setInterval(flush, 5000);

  function text(name) { return root.getAttribute("data-" + name) || ""; }
  function say(msg) { if (statusEl) { statusEl.textContent = msg; } }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function keep(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) {} }
  // guard runs one part of the page; a failure is noted on the page (the
  // browser tests look for it) instead of stopping the other parts.
  function guard(fn) {
    try { fn(); } catch (e) { root.setAttribute("data-script-error", String((e && e.message) || e)); }
  }

  var state = {};
  try { state = JSON.parse(root.getAttribute("data-state")) || {}; } catch (e) {}
  var items = state.items || [];       // [id, section, condition] of every answerable item
  var answers = state.answers || {};   // saved values by item (none when N/A)
  var na = {};                         // items saved as not applicable
  (state.na || []).forEach(function (id) { na[id] = true; });
  var queue = load(queueKey, {});      // answers not sent yet, by item
  // known holds the answers this device saved, with their versions: a copy
  // of a section read while offline can be older than them.
  var known = load(knownKey, {});

  function field(fs, prefix) { return fs.querySelector('[name="' + prefix + fs.getAttribute("data-item") + '"]'); }
  function versionOf(fs) { var v = field(fs, "ver."); return v ? (parseInt(v.value, 10) || 0) : 0; }

  function stateOf(fs) {
    var id = fs.getAttribute("data-item");
    var values = [];
    fs.querySelectorAll('[name="v.' + id + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "") { values.push(el.value.trim()); }
    });
    var n = field(fs, "na."), ev = field(fs, "ev."), c = field(fs, "c.");
    return {
      values: values, na: !!(n && n.checked), evidence: ev ? ev.value.trim() : "",
      comment: c ? c.value.trim() : "", version: versionOf(fs)
    };
  }

  function restore(fs, st) {
    var id = fs.getAttribute("data-item");
    fs.querySelectorAll('[name="v.' + id + '"]').forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { el.checked = st.values.indexOf(el.value) >= 0; }
      else { el.value = st.values[0] || ""; }
    });
    var n = field(fs, "na."), ev = field(fs, "ev."), c = field(fs, "c.");
    if (n) { n.checked = !!st.na; }
    if (ev) { ev.value = st.evidence || ""; }
    if (c) { c.value = st.comment || ""; }
  }

  function same(a, b) {
    return a.values.join("\n") === (b.values || []).join("\n") && !!a.na === !!b.na &&
      (a.evidence || "") === (b.evidence || "") && (a.comment || "") === (b.comment || "");
  }

  function itemStatus(fs, msg, cls) {
    var el = fs && fs.querySelector(".item-status");
    if (el) { el.textContent = msg; el.className = "item-status " + (cls || ""); }
  }

  // saved records an answer the server confirmed.
  function saved(id, a) {
    answers[id] = a.na ? [] : (a.values || []);
    if (a.na) { na[id] = true; } else { delete na[id]; }
    known[id] = { values: a.values || [], na: !!a.na, evidence: a.evidence || "", comment: a.comment || "", version: a.version };
    keep(knownKey, known);
    var fs = forms[id];
    if (fs) { field(fs, "ver.").value = a.version; }
    if (queue[id]) { queue[id].version = a.version; } // a newer edit made while this save was on its way
  }

  function flush() {
    if (busy || closed) { return; }
    var ids = Object.keys(queue);
    if (!ids.length) { return; }
    var id = ids[0];
    var body = queue[id];
    var fs = forms[id];
    busy = true;
    say(text("saving"));
    fetch(api + "/answers/" + encodeURIComponent(id), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) { return { status: res.status, data: data || {} }; },
        function () { return { status: res.status, data: {} }; });
    }).then(function (r) {
      busy = false;
      if (r.data.error && r.data.error.code === "past_deadline") {
        stop(fs, errorText(r.data));
        return;
      }
      if (r.status >= 500 || r.status === 429 || r.status === 401 || r.status === 403) {
        // The server is unwell or the session has ended: keep the answer
        // and try again later (after signing in again).
        itemStatus(fs, errorText(r.data), "pending");
        say(text("error"));
        return;
      }
      if (queue[id] === body) { delete queue[id]; }
      keep(queueKey, queue);
      if (r.status === 200) {
        saved(id, r.data);
        itemStatus(fs, text("saved"), "ok");
        say(text("saved"));
      } else if (r.status === 409 && r.data.current && same(body, r.data.current)) {
        // What is stored is what we sent: our own save, whose reply was lost.
        saved(id, r.data.current);
        itemStatus(fs, text("saved"), "ok");
        say(text("saved"));
      } else if (r.status === 409 && r.data.current) {
        // Someone else saved first: show their answer, keep ours typed, and
        // base the next save on their version, so saving again is a choice.
        if (fs) {
          field(fs, "ver.").value = r.data.current.version;
          itemStatus(fs, text("conflict") + " (" + answerText(fs, r.data.current) + ")", "conflict");
        }
        say(text("error"));
      } else {
        itemStatus(fs, errorText(r.data), "error");
        say(text("error"));
      }
      guard(refresh);
      flush();
    }, function () {
      busy = false; // no connection: keep the queue, try again later
      itemStatus(fs, text("pending"), "pending");
      say(text("offline"));
    });
  }

  // answerText is an answer as the page words it: the labels of the
  // options chosen, not their stored values.
  function answerText(fs, a) {
    if (a.na) { return text("na"); }
    var words = (a.values || []).map(function (v) {
      var input = Array.prototype.filter.call(fs.querySelectorAll("input[type=radio], input[type=checkbox]"), function (el) { return el.value === v; })[0];
      var label = input && fs.querySelector('label[for="' + input.id + '"]');
      return label ? label.textContent.trim() : v;
    });
    return words.join(text("separator")) || "—";
  }

  function errorText(data) {
    var e = data && data.error;
    if (!e) { return text("error"); }
    var fields = e.fields ? Object.keys(e.fields).map(function (k) { return e.fields[k]; }) : [];
    return [e.message].concat(fields).join(" ");
  }

  // stop shows the server's word that answers are no longer taken, on the
  // question and above the form, and makes the form read-only.
  function stop(fs, msg) {
    closed = true;
    itemStatus(fs, msg, "error");
    say(text("error"));
    if (!root.querySelector(".deadline-passed")) {
      var box = document.createElement("div");
      box.className = "warning-text deadline-passed";
      box.setAttribute("role", "alert");
      box.textContent = msg;
      var layout = root.querySelector(".response-layout");
      if (layout) { layout.parentNode.insertBefore(box, layout); }
    }
    root.querySelectorAll("form.questionnaire input, form.questionnaire textarea, form.questionnaire button, .submit-box button, .prefill-box button, .offline-box form button")
      .forEach(function (el) { el.disabled = true; });
  }

  function enqueue(id) {
    var fs = forms[id];
    clearTimeout(timers[id]);
    delete timers[id];
    if (!fs) { return; }
    queue[id] = stateOf(fs);
    keep(queueKey, queue);
  }

  function schedule(id) {
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () {
      enqueue(id);
      if (!navigator.onLine) { itemStatus(forms[id], text("pending"), "pending"); say(text("offline")); }
      flush();
    }, 400);
    guard(applyConditions);
  }

  // values gives show_if an item's values: as typed for this section's
  // questions, as saved for the others.
  function liveValues() {
    var live = {};
    Object.keys(forms).forEach(function (id) {
      var st = stateOf(forms[id]);
      live[id] = st.na ? [] : st.values;
    });
    return function (id) { return live[id] || answers[id] || []; };
  }
  function savedValues(id) { return answers[id] || []; }

  function applyConditions() {
    var values = liveValues();
    root.querySelectorAll("fieldset.question[data-show-if]").forEach(function (fs) {
      guard(function () { fs.hidden = !MarsadShowIf.evaluate(JSON.parse(fs.getAttribute("data-show-if")), values); });
    });
  }

  // updateProgress counts as survey.Progress does, on the saved answers:
  // visible answerable items, and those answered or marked not applicable.
  function updateProgress() {
    var bySection = {}, answered = 0, total = 0;
    items.forEach(function (it) {
      var id = it[0], section = it[1];
      if (!MarsadShowIf.evaluate(it[2], savedValues)) { return; }
      var s = bySection[section] || (bySection[section] = { a: 0, t: 0 });
      s.t++; total++;
      if (na[id] || savedValues(id).length) { s.a++; answered++; }
    });
    root.querySelectorAll("[data-count]").forEach(function (el) {
      var s = bySection[el.getAttribute("data-count")] || { a: 0, t: 0 };
      el.textContent = s.a + "/" + s.t;
    });
    var line = document.getElementById("progress-text");
    if (line) { line.textContent = text("progress-format").replace("{a}", answered).replace("{t}", total); }
    var bar = root.querySelector("progress.progress");
    if (bar) { bar.value = total ? Math.floor(answered * 100 / total) : 0; bar.textContent = bar.value + "%"; }
  }

  function refresh() {
    applyConditions();
    updateProgress();
  }

  function setup(fs) {
    var id = fs.getAttribute("data-item");
    if (!id || !field(fs, "ver.")) { return; } // a catalog metric: nothing to answer here
    forms[id] = fs;
    var k = known[id];
    if (k && k.version > versionOf(fs)) {
      // This copy of the page is older than an answer this device saved.
      restore(fs, k);
      field(fs, "ver.").value = k.version;
      answers[id] = k.na ? [] : k.values;
      if (k.na) { na[id] = true; } else { delete na[id]; }
    } else if (k) {
      delete known[id]; // the page is as new: no need to remember it
    }
    if (queue[id]) { restore(fs, queue[id]); itemStatus(fs, text("pending"), "pending"); }
    fs.addEventListener("change", function () { schedule(id); });
    fs.addEventListener("input", function (e) {
      var t = e.target;
      if (t.tagName === "TEXTAREA" || t.type === "text" || t.type === "url") { schedule(id); }
    });
  }

  root.querySelectorAll("fieldset.question[data-item]").forEach(function (fs) { guard(function () { setup(fs); }); });
  keep(knownKey, known);
  guard(refresh);

  // Leaving the page (or the browser putting it away) sends nothing yet
  // typed to waste: it joins the queue, which the next page sends.
  window.addEventListener("pagehide", function () { Object.keys(timers).forEach(enqueue); });

  // Saving the section with the button while offline would lose the page:
  // keep every answer of the section in the queue instead.
  var form = root.querySelector("form.questionnaire");
  if (form) {
    form.addEventListener("submit", function (e) {
      if (navigator.onLine) { return; }
      e.preventDefault();
      // Unchanged answers cost the server nothing: it keeps what it has.
      Object.keys(forms).forEach(enqueue);
      say(text("offline"));
    });
  }
  guard(flush);
})();
