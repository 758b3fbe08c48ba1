// Presentation mode: one slide at a time; arrows, Page Up/Down (a clicker),
// space and Home/End move; ?auto=N advances by itself. Out of full screen
// the deck is sized to the window below the page header, so each chart
// slide fits above the fold (not on a phone, where it is a page); in full
// screen it fills the screen and the charts draw their text
// projector-sized (static/js/charts.js).
(function () {
  "use strict";
  var deck = document.querySelector(".presentation");
  if (!deck) { return; }
  var slides = Array.prototype.slice.call(deck.querySelectorAll(".slide"));
  var counter = deck.querySelector(".slide-counter");
  var rtl = document.documentElement.dir === "rtl";
  var i = 0;

  // fit gives the deck the window's height below where it starts (none
  // in full screen, where the stylesheet makes it the screen's).
  function fit() {
    // In full screen the stylesheet sizes the deck; on a phone it is a
    // page, each slide as tall as it needs (the stylesheet's 40rem).
    if (document.fullscreenElement === deck || window.innerWidth < 640) {
      deck.style.blockSize = "";
      return;
    }
    var top = deck.getBoundingClientRect().top + window.scrollY;
    deck.style.blockSize = Math.max(320, window.innerHeight - top - 8) + "px";
  }
  function drawShown() {
    var chartEl = slides[i].querySelector(".chart");
    if (chartEl && window.marsadRedraw) { window.marsadRedraw(chartEl); }
  }
  function show(n) {
    i = (n + slides.length) % slides.length;
    slides.forEach(function (s, k) { s.hidden = k !== i; });
    drawShown();
    if (counter) { counter.textContent = (i + 1) + " / " + slides.length; }
    deck.setAttribute("data-slide", String(i));
  }
  document.addEventListener("keydown", function (e) {
    var next = ["ArrowDown", "PageDown", " ", rtl ? "ArrowLeft" : "ArrowRight"];
    var prev = ["ArrowUp", "PageUp", rtl ? "ArrowRight" : "ArrowLeft"];
    if (next.indexOf(e.key) >= 0) { show(i + 1); e.preventDefault(); }
    else if (prev.indexOf(e.key) >= 0) { show(i - 1); e.preventDefault(); }
    else if (e.key === "Home") { show(0); } else if (e.key === "End") { show(slides.length - 1); }
  });
  var fs = deck.querySelector('[data-present="fullscreen"]');
  if (fs) { fs.addEventListener("click", function () { if (deck.requestFullscreen) { deck.requestFullscreen(); } }); }
  document.addEventListener("fullscreenchange", function () { fit(); drawShown(); });
  var timer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { fit(); drawShown(); }, 120);
  });
  var auto = parseInt(deck.getAttribute("data-auto"), 10);
  if (auto > 0) { setInterval(function () { show(i + 1); }, auto * 1000); }
  fit();
  show(0);
})();
