// Marsad's service worker: it lets a respondent in a closure reload the
// questionnaire while offline. It keeps a copy of each section of a response
// (network first: a section read online is always the server's; the copy
// serves only when the network fails) and the scripts, stylesheet and fonts
// the page needs. Nothing else is cached: dashboards and other pages always
// come from the server. Answers typed offline wait in the page's own queue
// (questionnaire.js); a copy that is older than an answer this device saved
// is brought up to date by the page from that queue.
//
// Served at /sw.js (scope "/") by the server, which writes in the version of
// the assets: a new deployment installs a new worker and drops old copies.
"use strict";

var ASSETS = "__ASSETS__";
var STATIC = "marsad-static-" + ASSETS;
var PAGES = "marsad-pages";
var USER = "/__marsad/user"; // who the kept pages belong to
var PAGE = /^\/(ar|en)\/rounds\/\d+\/responses\/[^/]+$/;

self.addEventListener("install", function (event) {
  var files = ["/static/css/marsad.css", "/static/js/app.js", "/static/js/questionnaire.js"].map(function (f) { return f + "?v=" + ASSETS; })
    .concat(["noto-sans-arabic-arabic-400-normal", "noto-sans-arabic-arabic-700-normal", "noto-kufi-arabic-arabic-700-normal",
      "noto-sans-latin-400-normal", "noto-sans-latin-700-normal"].map(function (f) { return "/static/fonts/" + f + ".woff2"; }));
  event.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(files); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("marsad-static-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(req, url) {
  return req.method === "GET" && req.mode === "navigate" && url.origin === self.location.origin && PAGE.test(url.pathname);
}

// keepPage stores a copy of a questionnaire page the server answered in full.
function keepPage(req, res) {
  if (res.status !== 200 || res.redirected || (res.headers.get("Content-Type") || "").indexOf("text/html") !== 0) { return; }
  var copy = res.clone();
  caches.open(PAGES).then(function (c) { return c.put(req.url, copy); });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.method === "POST" && /^\/(ar|en)\/logout$/.test(url.pathname)) {
    // Signing out removes this person's pages from the device.
    event.respondWith(caches.delete(PAGES).then(function () { return fetch(req); }));
    return;
  }
  if (isPage(req, url)) {
    event.respondWith(fetch(req).then(function (res) {
      keepPage(req, res);
      return res;
    }, function () {
      return caches.open(PAGES).then(function (c) { return c.match(req.url); }).then(function (hit) {
        return hit || Response.error();
      });
    }));
    return;
  }
  if (req.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC).then(function (c) {
      return c.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) {
          if (res.status === 200 && url.search.indexOf("v=" + ASSETS) >= 0) { c.put(req, res.clone()); }
          return res;
        });
      });
    }));
  }
});

// The page says who is signed in and which sections it links to: pages kept
// for someone else are dropped, and sections with no copy yet are fetched.
self.addEventListener("message", function (event) {
  var m = event.data || {};
  if (m.type !== "keep" || !Array.isArray(m.urls)) { return; }
  var user = String(m.user || "");
  event.waitUntil(caches.open(PAGES).then(function (c) {
    return c.match(USER).then(function (hit) { return hit ? hit.text() : null; }).then(function (owner) {
      if (owner === user) { return c; }
      return caches.delete(PAGES).then(function () { return caches.open(PAGES); }).then(function (fresh) {
        return fresh.put(USER, new Response(user)).then(function () { return fresh; });
      });
    });
  }).then(function (c) {
    return Promise.all(m.urls.slice(0, 30).map(function (u) {
      var url = new URL(u, self.location.origin);
      if (url.origin !== self.location.origin || !PAGE.test(url.pathname)) { return null; }
      return c.match(url.href).then(function (hit) {
        if (hit) { return null; }
        return fetch(url.href, { credentials: "same-origin" }).then(function (res) {
          if (res.status === 200 && !res.redirected) { return c.put(url.href, res); }
        }).catch(function () {});
      });
    }));
  }));
});
