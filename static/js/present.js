// Presentation mode: one slide at a time; arrows, Page Up/Down (a clicker),
// space and Home/End move; ?auto=N advances by itself.
(function () {
  "use strict";
  var deck = document.querySelector(".presentation");
  if (!deck) { return; }
  var slides = Array.prototype.slice.call(deck.querySelectorAll(".slide"));
  var counter = deck.querySelector(".slide-counter");
  var rtl = document.documentElement.dir === "rtl";
  var i = 0;
  function show(n) {
    i = (n + slides.length) % slides.length;
    slides.forEach(function (s, k) { s.hidden = k !== i; });
    var chartEl = slides[i].querySelector(".chart");
    if (chartEl && window.echarts) {
      var chart = window.echarts.getInstanceByDom(chartEl);
      if (chart) { chart.resize(); }
    }
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
  var auto = parseInt(deck.getAttribute("data-auto"), 10);
  if (auto > 0) { setInterval(function () { show(i + 1); }, auto * 1000); }
  show(0);
})();

