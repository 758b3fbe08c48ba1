// The questionnaire: autosave of each answer, a queue that survives a lost
// connection (kept in localStorage and sent again when the network returns),
// conflicts shown instead of overwritten, and show_if evaluated live with
// the same rules as the server (survey/showif.go).
(function () {
  "use strict";
  var root = document.querySelector(".response[data-api]");
  if (!root || !root.hasAttribute("data-editable") || !window.fetch) { return; }
  var api = root.getAttribute("data-api");
  var csrf = root.getAttribute("data-csrf");
  var statusEl = root.querySelector(".autosave-status");
  var saved = JSON.parse(root.getAttribute("data-answers") || "{}");
  var queueKey = "marsad-queue:" + api;
  var queue = {};
  try { queue = JSON.parse(localStorage.getItem(queueKey) || "{}"); } catch (e) { queue = {}; }
  var timers = {};
  var busy = false;

  function say(text) { if (statusEl) { statusEl.textContent = text; } }
  function persist() { try { localStorage.setItem(queueKey, JSON.stringify(queue)); } catch (e) {} }
  function question(id) { return root.querySelector('fieldset.question[data-item="' + id + '"]'); }
  function field(fs, prefix) { return fs.querySelector('[name="' + prefix + fs.getAttribute("data-item") + '"]'); }

  function stateOf(fs) {
    var id = fs.getAttribute("data-item");
    var values = [];
    fs.querySelectorAll('[name="v.' + id + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "") { values.push(el.value.trim()); }
    });
    var na = field(fs, "na.");
    var ev = field(fs, "ev.");
    var c = field(fs, "c.");
    return {
      values: values, na: !!(na && na.checked), evidence: ev ? ev.value.trim() : "",
      comment: c ? c.value.trim() : "", version: parseInt(field(fs, "ver.").value, 10) || 0
    };
  }

  function restore(fs, st) {
    var id = fs.getAttribute("data-item");
    fs.querySelectorAll('[name="v.' + id + '"]').forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { el.checked = st.values.indexOf(el.value) >= 0; }
      else { el.value = st.values[0] || ""; }
    });
    if (field(fs, "na.")) { field(fs, "na.").checked = st.na; }
    if (field(fs, "ev.")) { field(fs, "ev.").value = st.evidence; }
    if (field(fs, "c.")) { field(fs, "c.").value = st.comment; }
  }

  function itemStatus(fs, text, cls) {
    var el = fs.querySelector(".item-status");
    if (el) { el.textContent = text; el.className = "item-status " + (cls || ""); }
  }

  function flush() {
    if (busy) { return; }
    var ids = Object.keys(queue);
    if (!ids.length) { return; }
    var id = ids[0];
    var body = queue[id];
    var fs = question(id);
    busy = true;
    say(root.getAttribute("data-saving"));
    fetch(api + "/answers/" + encodeURIComponent(id), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) { return { status: res.status, data: data }; }, function () { return { status: res.status, data: {} }; });
    }).then(function (r) {
      busy = false;
      delete queue[id];
      persist();
      if (r.status === 200) {
        if (fs) { field(fs, "ver.").value = r.data.version; itemStatus(fs, root.getAttribute("data-saved"), "ok"); }
        saved[id] = r.data.na ? [] : (r.data.values || []);
        say(root.getAttribute("data-saved"));
      } else if (r.status === 409 && r.data.current) {
        // Someone else saved first: show their answer, keep ours typed, and
        // base the next save on their version, so saving again is a choice.
        if (fs) {
          field(fs, "ver.").value = r.data.current.version;
          var cur = (r.data.current.values || []).join("، ") || "—";
          itemStatus(fs, root.getAttribute("data-conflict") + " (" + cur + ")", "conflict");
        }
        say(root.getAttribute("data-error"));
      } else {
        var msg = (r.data.error && (r.data.error.message + " " + Object.values(r.data.error.fields || {}).join(" "))) || root.getAttribute("data-error");
        if (fs) { itemStatus(fs, msg, "error"); }
        say(root.getAttribute("data-error"));
      }
      flush();
    }, function () {
      busy = false; // network down: keep the queue, try again later
      say(root.getAttribute("data-offline"));
    });
  }

  function schedule(fs) {
    var id = fs.getAttribute("data-item");
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () {
      queue[id] = stateOf(fs);
      persist();
      flush();
    }, 400);
    applyConditions();
  }

  // show_if
  function current() {
    var a = {};
    Object.keys(saved).forEach(function (k) { a[k] = saved[k]; });
    root.querySelectorAll("fieldset.question").forEach(function (fs) {
      var st = stateOf(fs);
      a[fs.getAttribute("data-item")] = st.na ? [] : st.values;
    });
    return a;
  }
  function num(s) { var x = parseFloat(String(s).replace(/[٠-٩]/g, function (d) { return d.charCodeAt(0) - 0x660; })); return x; }
  function eq(l, v) { return l.num ? num(v) === l.n : v === l.t; }
  function evalCond(n, a) {
    if (!n) { return true; }
    var vals = a[n.id] || [];
    switch (n.op) {
      case "or": return evalCond(n.l, a) || evalCond(n.r, a);
      case "and": return evalCond(n.l, a) && evalCond(n.r, a);
      case "not": return !evalCond(n.x, a);
      case "has": return vals.length > 0;
    }
    if (!vals.length) { return false; }
    if (n.op === "==" || n.op === "in") {
      return vals.some(function (v) { return n.lits.some(function (l) { return eq(l, v); }); });
    }
    if (n.op === "!=") { return !vals.some(function (v) { return eq(n.lits[0], v); }); }
    var x = num(vals[0]);
    if (isNaN(x) || !n.lits[0].num) { return false; }
    var y = n.lits[0].n;
    return n.op === ">" ? x > y : n.op === ">=" ? x >= y : n.op === "<" ? x < y : x <= y;
  }
  function applyConditions() {
    var a = current();
    root.querySelectorAll("fieldset.question[data-show-if]").forEach(function (fs) {
      var show = evalCond(JSON.parse(fs.getAttribute("data-show-if")), a);
      fs.hidden = !show;
    });
  }

  root.querySelectorAll("fieldset.question").forEach(function (fs) {
    var id = fs.getAttribute("data-item");
    if (queue[id]) { restore(fs, queue[id]); itemStatus(fs, root.getAttribute("data-offline"), "pending"); }
    fs.addEventListener("change", function () { schedule(fs); });
    fs.addEventListener("input", function (e) { if (e.target.tagName === "TEXTAREA" || e.target.type === "text" || e.target.type === "url") { schedule(fs); } });
  });
  applyConditions();
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();
})();

