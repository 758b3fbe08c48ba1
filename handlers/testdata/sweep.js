// The browser sweep's checks inside a page (handlers/sweep_test.go). Called
// as sweepCheck(opts) with
//   lang:     the page's language ("ar" or "en"),
//   foreign:  phrases of the other language's locale file, which must not
//             show on this page (an untranslated string),
//   codes:    internal values (option codes, enumerations) that must never
//             show as text: on English pages those that no English word
//             looks like (with a hyphen or an underscore), on Arabic pages
//             all of them,
//   sections: the questionnaire's dimension codes (STR, SRV…), which must
//             not be the only words of a heading on an Arabic page,
//   layout:   only the layout checks (the phone width pass).
// Returns a list of problems, each a short sentence naming the element.
(function () {
  "use strict";

  function describe(el) {
    if (!el || !el.tagName) { return "?"; }
    var s = el.tagName.toLowerCase();
    if (el.id) { s += "#" + el.id; }
    if (el.classList && el.classList.length) { s += "." + Array.prototype.slice.call(el.classList, 0, 2).join("."); }
    var text = (el.textContent || "").replace(/\s+/g, " ").trim();
    if (text) { s += " \u201c" + text.slice(0, 40) + "\u201d"; }
    return s;
  }

  function visible(el) {
    if (!el.getClientRects().length) { return false; }
    var st = getComputedStyle(el);
    return st.visibility !== "hidden" && st.display !== "none";
  }

  // scrolls tells whether el scrolls or clips sideways by design (a wide
  // table in its own scroll container, a chart's canvas in its box).
  function scrolls(el) {
    var x = getComputedStyle(el).overflowX;
    return x === "auto" || x === "scroll" || x === "hidden" || x === "clip";
  }

  function insideScroller(el) {
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scrolls(p)) { return true; }
    }
    return false;
  }

  function layout(problems) {
    var vw = document.documentElement.clientWidth;
    var sw = document.documentElement.scrollWidth;
    if (sw > vw + 1) {
      // Content overflows on the side the text runs to: right in
      // English, left in Arabic (where a hidden skip link waits off the
      // right edge, by design).
      var rtl = document.documentElement.dir === "rtl";
      var out = function (r) { return rtl ? r.left < -1 : r.right > vw + 1; };
      var culprits = [];
      document.querySelectorAll("body *").forEach(function (el) {
        if (culprits.length >= 3 || !visible(el) || insideScroller(el)) { return; }
        var r = el.getBoundingClientRect();
        if (r.width > 0 && out(r)) {
          // report the outermost element that sticks out
          var p = el.parentElement;
          if (!p || !out(p.getBoundingClientRect())) { culprits.push(describe(el)); }
        }
      });
      problems.push("page is " + sw + " px wide in a " + vw + " px viewport: " +
        (culprits.join("; ") || "no element in the flow sticks out; look for absolutely positioned content inside a scroll box that is not positioned"));
    }
    document.querySelectorAll("table, .chart, img, svg, canvas, pre").forEach(function (el) {
      if (!visible(el) || insideScroller(el)) { return; }
      var p = el.parentElement;
      if (!p) { return; }
      var w = el.getBoundingClientRect().width, pw = p.getBoundingClientRect().width;
      if (w > pw + 1) { problems.push(describe(el) + " (" + Math.round(w) + " px) is wider than its container (" + Math.round(pw) + " px)"); }
    });
  }

  // textNodes yields the text a person reads, with the element holding it.
  function textNodes(fn) {
    var skip = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEXTAREA: 1, TEMPLATE: 1, CODE: 1, KBD: 1, SAMP: 1, PRE: 1, OPTION: 1 };
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        for (var p = n.parentElement; p; p = p.parentElement) {
          if (skip[p.tagName]) { return NodeFilter.FILTER_REJECT; }
        }
        return n.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      }
    });
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement && visible(n.parentElement)) { fn(n.nodeValue, n.parentElement); }
    }
  }

  // userText tells text that people typed (names, titles, e-mail
  // addresses): the pages isolate it with <bdi> or dir="auto" or "ltr", or
  // mark it with lang when it is in the other language on purpose.
  function userText(el, lang) {
    for (var p = el; p && p !== document.body; p = p.parentElement) {
      if (p.tagName === "BDI" || p.hasAttribute("dir") || (p.hasAttribute("lang") && p.getAttribute("lang") !== lang)) { return true; }
    }
    return false;
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  window.sweepCheck = function (opts) {
    var problems = [];
    layout(problems);
    var err = document.querySelector("[data-script-error]");
    if (err) { problems.push("a script failed: " + err.getAttribute("data-script-error")); }
    if (opts.layout) { return problems; }

    var html = document.documentElement;
    if (html.lang !== opts.lang || html.dir !== (opts.lang === "ar" ? "rtl" : "ltr")) {
      problems.push("<html lang=" + html.lang + " dir=" + html.dir + "> on a page in " + opts.lang);
    }
    if (!document.querySelector('link[rel~="icon"]')) { problems.push("no favicon link"); }

    var codes = opts.lang === "ar" ? opts.codes : opts.codes.filter(function (c) { return /[-_]/.test(c); });
    var codeRe = codes.length ? new RegExp("(^|[\\s(\u00ab\"'\u060c,:])(" + codes.map(escapeRe).join("|") + ")(?=$|[\\s).,\u060c;:\u00bb\"'])") : null;
    // A bare fraction (0.45, 0.333) where a percentage or a label is meant:
    // figures people read carry one decimal at most (a mean stage of 0.8, a
    // change of +0.2); a model scored 0–1 marks its figures data-scale="1".
    var fractionRe = /^0\.\d{2,}$/;
    var listRe = /(^|\s)[a-z][a-z0-9_-]*;[a-z0-9_-]+/;
    var keyRe = /\u27e6[^\u27e7]*\u27e7/;
    var seen = {};
    function report(p) { if (!seen[p] && Object.keys(seen).length < 25) { seen[p] = 1; problems.push(p); } }
    var pageText = [];
    textNodes(function (text, el) {
      if (keyRe.test(text)) { report("untranslated key " + text.match(keyRe)[0] + " in " + describe(el)); }
      var m = codeRe && text.match(codeRe);
      // A code that reads as a word (pilot, health) is a raw value only
      // in the page's own words: not in people's text, nor in the examples
      // of a file format (pre) or a hint that asks for a key.
      if (m && (/[-_]/.test(m[2]) || !(userText(el, opts.lang) || el.closest("pre, .hint")))) {
        report("internal value \u201c" + m[2] + "\u201d shown in " + describe(el));
      }
      if (listRe.test(text)) { report("a raw list of values shown in " + describe(el)); }
      if (fractionRe.test(text.trim()) && !el.closest("[data-scale='1']")) { report("a bare fraction " + text.trim() + " shown in " + describe(el)); }
      if (!userText(el, opts.lang)) { pageText.push(text.replace(/\s+/g, " ")); }
    });
    var all = " " + pageText.join(" \u2029 ") + " ";
    opts.foreign.forEach(function (phrase) {
      if (all.indexOf(phrase) >= 0) { report("text in the other language: \u201c" + phrase + "\u201d"); }
    });
    if (opts.lang === "ar") {
      var latin = all.match(/[A-Za-z]{3,}(?:[ ,'-]+[A-Za-z]{2,}){2,}/g) || [];
      latin.forEach(function (run) { report("English words on an Arabic page: \u201c" + run + "\u201d"); });
      document.querySelectorAll("h1, h2, h3, h4, th, dt, legend, caption, summary").forEach(function (h) {
        var t = (h.textContent || "").trim();
        if (visible(h) && opts.sections.indexOf(t) >= 0) { report("a dimension code is the only heading: " + describe(h)); }
      });
    }
    return problems;
  };
})();
