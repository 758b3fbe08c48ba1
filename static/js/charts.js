// Charts: each <div class="chart" data-option="…"> holds its ECharts option
// as JSON in an attribute (escaped by the server), drawn here with the
// page's language. No inline script anywhere.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var lang = document.documentElement.lang === "ar" ? "AR" : "EN";
  var charts = [];
  document.querySelectorAll(".chart[data-option]").forEach(function (el) {
    var h = parseInt(el.getAttribute("data-height"), 10);
    if (h > 0) { el.style.blockSize = h + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: lang });
    chart.setOption(JSON.parse(el.getAttribute("data-option")));
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  // SVG for slides: the same option drawn once more by the SVG renderer,
  // off screen and left to right (Arabic labels carry their own isolates).
  function svgOf(el) {
    var box = document.createElement("div");
    box.dir = "ltr";
    box.style.position = "absolute"; box.style.insetInlineStart = "-10000px";
    document.body.appendChild(box);
    var c = window.echarts.init(box, null, { renderer: "svg", locale: lang, width: el.clientWidth || 800, height: el.clientHeight || 420 });
    var opt = JSON.parse(el.getAttribute("data-option"));
    opt.animation = false;
    c.setOption(opt);
    var svg = c.renderToSVGString();
    c.dispose();
    box.remove();
    return svg;
  }
  window.marsadSVG = function (id) { return svgOf(document.getElementById(id)); };
  document.querySelectorAll("[data-svg]").forEach(function (b) {
    b.addEventListener("click", function () {
      var id = b.getAttribute("data-svg");
      var url = URL.createObjectURL(new Blob([svgOf(document.getElementById(id))], { type: "image/svg+xml" }));
      var a = document.createElement("a");
      a.href = url; a.download = "marsad-" + id + ".svg";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  });
  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();

