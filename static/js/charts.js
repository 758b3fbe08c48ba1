// Charts: each .chart element holds its ECharts option as JSON in its
// data-option attribute (escaped by the server), drawn here with the
// page's language. No inline script anywhere.
//
// The server cannot know how wide a chart will be drawn, so what depends on
// it is done here, from the hints the server leaves in the option's
// "marsad" key (reports/charts.go describes them): labels are wrapped
// between words to the room they have (never inside a word; each line
// isolated again for Arabic), vertical bars turn horizontal when their
// words do not fit side by side, a radar is sized so that no label is cut
// off, the legend gets the rows it needs, charts grow taller rather than
// squeeze their rows, value axes get fewer ticks on small screens, and the
// text is projector-sized on slides. The same layout serves the page, the
// slides, the exported PNG and SVG files and the offline HTML file (which
// inlines this script).
(function () {
  "use strict";
  var E = window.echarts;
  if (!E) { return; }
  var lang = document.documentElement.lang === "ar" ? "AR" : "EN";
  var FONT = "'Noto Sans Arabic', 'Noto Sans', sans-serif";
  var RLI = "\u2067", PDI = "\u2069";
  var TEXT = "#1b1f23", MUTED = "#505a64";
  // ECharts' own save-as-image icon, for the toolbox button that now
  // saves the captioned image.
  var SAVE_ICON = "path://M4.7,22.9L29.3,45.5L54.7,23.4M4.6,43.6L4.6,58L53.8,58L53.8,43.6M29.2,45.1L29.2,0";
  // Exported images are drawn at one size whatever the screen (16:9, a
  // slide's shape), at twice the pixels for PNG.
  var EXPORT_W = 960, EXPORT_H = 540, CAPTION_SIZE = 13;
  var measure = document.createElement("canvas").getContext("2d");

  function arr(x) { return x == null ? [] : Array.isArray(x) ? x : [x]; }
  function clamp(x, lo, hi) { return Math.max(lo, Math.min(hi, x)); }
  function width(s, size, bold) {
    measure.font = (bold ? "bold " : "") + size + "px " + FONT;
    return measure.measureText(s).width;
  }
  // bare takes the bidi isolates (and any earlier wrapping) off a label.
  function bare(s) { return String(s == null ? "" : s).replace(/[\u2066-\u2069]/g, "").replace(/\s*\n\s*/g, " "); }
  // lines breaks a label between words into lines no wider than max; a
  // word wider than max stays whole on its own line.
  function lines(s, max, size, bold) {
    var out = [], cur = "";
    bare(s).split(/\s+/).forEach(function (w) {
      if (!w) { return; }
      var t = cur ? cur + " " + w : w;
      if (!cur || width(t, size, bold) <= max) { cur = t; } else { out.push(cur); cur = w; }
    });
    if (cur) { out.push(cur); }
    return out.length ? out : [""];
  }
  // join puts lines back together, each isolated on its own in Arabic so
  // that a line such as "(المرحلة 3+)" keeps its brackets and word order.
  function join(ls, rtl) {
    return ls.map(function (l) { return rtl ? RLI + l + PDI : l; }).join("\n");
  }
  function widest(ls, size, bold) {
    var w = 0;
    ls.forEach(function (l) { w = Math.max(w, width(l, size, bold)); });
    return w;
  }
  function longestWord(labels, size) {
    var w = 0;
    arr(labels).forEach(function (l) {
      bare(l).split(/\s+/).forEach(function (word) { w = Math.max(w, width(word, size)); });
    });
    return w;
  }
  function name(d) { return d && typeof d === "object" ? d.value : d; }

  // ---- Layout -----------------------------------------------------------

  // prepare makes an option ready to draw at W × H pixels. mode is "page",
  // "present" (a slide: big text, the headline outside the chart) or
  // "export". It answers the option, the height the chart needs (more than
  // H when its rows do not fit) and the server's hints.
  function prepare(raw, W, H, mode, onSave) {
    var full = !!document.fullscreenElement;
    if (mode !== "present") {
      return layout(raw, W, H, mode, mode === "export" ? 13 : 12, onSave);
    }
    // Projector text: 20 px and more in full screen; a window preview
    // scales down so the chart stays above the fold. A slide cannot grow:
    // text a little smaller (not under the floor) before its rows would
    // not fit.
    var fs = W < 700 ? 14 : full ? clamp(Math.round(H / 26), 20, 28) : clamp(Math.round(H / 28), 12, 20);
    var floor = W < 700 ? 12 : full ? 20 : 12, p;
    for (; ; fs--) {
      p = layout(raw, W, H, mode, fs, onSave);
      if (p.height <= H || fs <= floor) { return p; }
    }
  }

  function layout(raw, W, H, mode, fs, onSave) {
    var o = JSON.parse(raw);
    var m = o.marsad || {};
    delete o.marsad;
    var rtl = !!m.rtl;
    var s = {W: W, H: H, fs: fs, lh: Math.round(fs * 1.35), pad: Math.round(fs * 0.75), rtl: rtl, mode: mode, m: m};
    o.textStyle = {fontFamily: FONT, fontSize: fs, color: TEXT};
    o.animation = false;
    toolbox(o, s, onSave);
    var top = title(o, s);
    var bottom = legend(o, s);
    if (o.radar) {
      radar(o, s, top, bottom);
    } else if (o.xAxis) {
      cartesian(o, s, top, bottom);
    }
    tooltip(o, s);
    return {option: o, height: s.H, meta: m};
  }

  // toolbox: on the page its one button saves the captioned PNG; slides
  // and exports have none.
  function toolbox(o, s, onSave) {
    if (!o.toolbox) { return; }
    if (s.mode !== "page" || !onSave) { o.toolbox = {show: false}; return; }
    var save = (o.toolbox.feature || {}).saveAsImage || {};
    o.toolbox.feature = {myPng: {show: true, title: save.title || s.m.png || "PNG", icon: SAVE_ICON, onclick: onSave}};
    o.toolbox.itemSize = 16;
    o.toolbox.top = 2;
  }

  // title wraps the chart's title to its width; it answers the room the
  // title takes at the top.
  function title(o, s) {
    var t = o.title;
    if (!t || !t.text) { return s.pad; }
    if (s.mode === "present") { t.show = false; return s.pad; }
    var size = s.mode === "export" ? 18 : s.W < 480 ? 15 : 16;
    var lh = Math.round(size * 1.3);
    var ls = lines(t.text, s.W - 2 * s.pad - (s.mode === "page" ? 36 : 0), size, true);
    t.text = join(ls, s.rtl);
    t.textStyle = {fontFamily: FONT, fontSize: size, fontWeight: "bold", lineHeight: lh, color: TEXT};
    t.top = Math.round(s.pad / 2);
    t.padding = [0, s.pad];
    return Math.round(s.pad / 2) + ls.length * lh + s.pad;
  }

  // legend sizes the legend to the text, wraps a name too long for one
  // row, and answers the room it takes at the bottom.
  function legend(o, s) {
    var lg = o.legend;
    var vm = o.visualMap ? Math.round(s.fs * 2.2 + 26) : 0;
    if (vm) {
      o.visualMap.itemWidth = Math.round(s.fs * 1.2);
      o.visualMap.itemHeight = clamp(s.W * 0.35, 80, 240);
      o.visualMap.textStyle = {fontSize: s.fs, color: TEXT, fontFamily: FONT};
      o.visualMap.bottom = Math.round(s.pad / 2);
    }
    if (!lg || lg.show === false || !arr(lg.data).length) { return vm + s.pad; }
    var iw = Math.round(s.fs * 1.8), ih = Math.round(s.fs * 0.9), gap = Math.round(s.fs * 0.9), tl = Math.round(s.fs * 1.3);
    var maxRow = s.W - 4 * s.pad, maxText = maxRow - iw - 5;
    var wrapped = {}, rows = [], row = null, x = 0;
    arr(lg.data).forEach(function (d) {
      var n = name(d && d.name != null ? d.name : d), ls = [bare(n)];
      if (width(ls[0], s.fs) > maxText) {
        ls = lines(n, maxText, s.fs);
        wrapped[n] = join(ls, s.rtl);
      }
      var w = iw + 5 + widest(ls, s.fs);
      if (!row || x + w > maxRow) { row = {h: 0}; rows.push(row); x = 0; }
      row.h = Math.max(row.h, ls.length * tl, ih);
      x += w + gap;
    });
    lg.itemWidth = iw; lg.itemHeight = ih; lg.itemGap = gap;
    lg.textStyle = {fontFamily: FONT, fontSize: s.fs, lineHeight: tl, color: TEXT};
    lg.left = "center"; lg.bottom = Math.round(s.pad / 2); lg.padding = [0, s.pad];
    if (Object.keys(wrapped).length) {
      lg.formatter = function (n) { return wrapped[n] || n; };
    }
    var h = Math.round(s.pad / 2);
    rows.forEach(function (r) { h += r.h + gap; });
    return h + vm + s.pad;
  }

  // radar places the radar where its labels fit: each axis name sits
  // beyond the end of its axis, aligned as ECharts aligns it (left of the
  // point on the left half, right on the right, centred at the top and
  // bottom, vertically centred on slanted axes), so the radius is the
  // largest one that keeps every label inside the chart, above the legend
  // and below the title.
  function radar(o, s, top, bottom) {
    var r = arr(o.radar)[0], ind = arr(r.indicator), n = ind.length;
    if (!n) { return; }
    var gap = Math.round(s.fs * 0.6);
    var left = s.pad, right = s.W - s.pad, y0 = top, y1 = s.H - bottom;
    var start = (r.startAngle == null ? 90 : r.startAngle) * Math.PI / 180, dir = r.clockwise ? -1 : 1;
    var names = ind.map(function (it) { return it.name; });
    // place answers each label's box for a radar of radius R at (cx, cy).
    function place(boxes, cx, cy, R) {
      return boxes.map(function (b, i) {
        var a = start + dir * i * 2 * Math.PI / n, c = Math.cos(a), si = Math.sin(a);
        var px = cx + (R + gap) * c, py = cy - (R + gap) * si;
        if (Math.abs(c) < 1e-4) {
          return {x: px - b.w / 2, y: si > 0 ? py - b.h : py, w: b.w, h: b.h};
        }
        return {x: c > 0 ? px : px - b.w, y: py - b.h / 2, w: b.w, h: b.h};
      });
    }
    function overlaps(boxes) {
      for (var i = 0; i < boxes.length; i++) {
        for (var j = i + 1; j < boxes.length; j++) {
          var a = boxes[i], b = boxes[j];
          if (a.x < b.x + b.w + 2 && b.x < a.x + a.w + 2 && a.y < b.y + b.h + 2 && b.y < a.y + a.h + 2) { return true; }
        }
      }
      return false;
    }
    // fit is the largest radius that keeps every label inside the chart.
    function fit(boxes, cx, cy) {
      var R = Math.min(cx - left, right - cx, cy - y0, y1 - cy);
      boxes.forEach(function (b, i) {
        var a = start + dir * i * 2 * Math.PI / n, c = Math.cos(a), si = Math.sin(a);
        if (Math.abs(c) < 1e-4) {
          // Straight up or down: centred over (under) the axis.
          R = Math.min(R, si > 0 ? cy - y0 - b.h - gap : y1 - cy - b.h - gap);
          if (b.w / 2 > Math.min(cx - left, right - cx)) { R = -1; }
          return;
        }
        if (si > 1e-4) { R = Math.min(R, (cy - y0 - b.h / 2) / si - gap); }
        if (si < -1e-4) { R = Math.min(R, (y1 - cy - b.h / 2) / -si - gap); }
        if (Math.abs(si) <= 1e-4 && (cy - b.h / 2 < y0 || cy + b.h / 2 > y1)) { R = -1; }
        R = Math.min(R, c > 0 ? (right - cx - b.w) / c - gap : (cx - left - b.w) / -c - gap);
      });
      return R;
    }
    // Labels narrow and tall, or wide and short: the widths tried, and for
    // each the centre that leaves the biggest radar whose labels neither
    // leave the chart nor run into each other. Long names on a small
    // chart (full titles on a phone) get a smaller font before they are
    // let overlap.
    var best = null, minR = Math.min(s.W, y1 - y0) * 0.16;
    [s.fs, s.fs - 1, s.fs - 2, Math.max(9, s.fs - 3)].some(function (size) {
      var lh = Math.round(size * 1.35), base = clamp(s.W * 0.22, size * 5, size * 13);
      [base, base * 1.35, base * 1.7, base * 0.8].forEach(function (maxW) {
        var wrapped = [], boxes = names.map(function (nm) {
          var ls = lines(nm, maxW, size);
          wrapped.push(join(ls, s.rtl));
          return {w: widest(ls, size) + 2, h: ls.length * lh};
        });
        for (var k = 0.3; k <= 0.701; k += 0.025) {
          for (var j = 0.4; j <= 0.601; j += 0.05) {
            var cx = s.W * j, cy = y0 + (y1 - y0) * k, R = fit(boxes, cx, cy);
            var ok = R >= minR && !overlaps(place(boxes, cx, cy, R));
            var score = (ok ? 0 : -10000) + R + size * 1000 * (ok ? 1 : 0);
            if (!best || score > best.score + 0.5) { best = {score: score, ok: ok, R: R, cx: cx, cy: cy, names: wrapped, size: size, lh: lh}; }
          }
        }
      });
      return best.ok;
    });
    ind.forEach(function (it, i) { it.name = best.names[i]; });
    r.center = [Math.round(best.cx), Math.round(best.cy)];
    r.radius = Math.max(Math.floor(best.R), 24);
    r.axisNameGap = gap;
    r.axisName = {color: TEXT, fontFamily: FONT, fontSize: best.size, lineHeight: best.lh};
  }

  // flip turns vertical bars into horizontal ones, mirrored in Arabic:
  // names on the right, bars growing leftwards.
  function flip(o, rtl) {
    var x = arr(o.xAxis)[0], y = arr(o.yAxis)[0] || {};
    var cat = Object.assign({}, x, {type: "category", inverse: true, position: rtl ? "right" : "left"});
    var val = Object.assign({}, y, {type: "value", inverse: rtl});
    delete val.position;
    cat.axisLabel = Object.assign({}, x.axisLabel);
    delete cat.axisLabel.rotate;
    o.xAxis = [val];
    o.yAxis = [cat];
    var side = rtl ? "left" : "right";
    arr(o.series).forEach(function (se) {
      if (se.label && se.label.position === "top") { se.label.position = side; }
      arr(se.data).forEach(function (d) {
        if (d && d.label && d.label.position === "top") { d.label.position = side; }
      });
    });
  }

  // cartesian lays out bar, line and heatmap charts: category labels
  // wrapped (or vertical bars flipped), room for every row, text sizes,
  // fewer value ticks where there is little room.
  function cartesian(o, s, top, bottom) {
    var m = s.m, wrap = m.wrap || "";
    var valW = width("100%", s.fs) + s.pad;
    var x = arr(o.xAxis)[0] || {};
    if (wrap === "x" && m.flip && x.type !== "value") {
      var band = (s.W - 2 * s.pad - valW) / Math.max(arr(x.data).length, 1);
      if (longestWord(x.data, s.fs) > band - 6) { flip(o, s.rtl); wrap = "y"; }
    }
    x = arr(o.xAxis)[0] || {};
    var y = arr(o.yAxis)[0] || {};
    arr(o.xAxis).concat(arr(o.yAxis)).forEach(function (a) {
      a.axisLabel = Object.assign(a.axisLabel || {}, {fontSize: s.fs, lineHeight: s.lh, color: TEXT, fontFamily: FONT});
      a.nameTextStyle = {fontSize: s.fs, fontFamily: FONT};
    });
    arr(o.series).forEach(function (se) {
      se.label = Object.assign(se.label || {}, {fontSize: s.fs, fontFamily: FONT});
      arr(se.data).forEach(function (d) {
        if (d && d.label) { d.label.fontSize = s.fs; }
      });
      if (se.type === "bar") { se.barMaxWidth = Math.round(s.fs * 6); }
    });
    var heat = arr(o.series).some(function (se) { return se.type === "heatmap"; });
    // Value labels above vertical bars need a line of room under the title.
    var g = {containLabel: true, left: s.pad, right: s.pad, top: top + (x.type === "value" || heat ? 0 : s.lh), bottom: bottom};
    o.grid = g;
    var labelW = 0;
    if (wrap.indexOf("y") >= 0 && y.data) {
      // Row names: up to about a third of the width, then more lines; on
      // a slide, which cannot grow, wider names before more lines.
      m.rows = y.data.map(bare);
      var names = y.data, need = 0, fracs = s.mode === "present" ? [0.3, 0.38, 0.46] : [0.38];
      fracs.some(function (f) {
        var maxW = clamp(s.W * f, s.fs * 6, s.fs * (s.mode === "present" ? 30 : 22)), count = [];
        labelW = 0;
        y.data = names.map(function (l) {
          var ls = lines(l, maxW, s.fs);
          count.push(ls.length);
          labelW = Math.max(labelW, widest(ls, s.fs));
          return join(ls, s.rtl);
        });
        // A row needs room for half of its name and half of its
        // neighbour's, each centred on its bar.
        var row = count[0] || 1;
        for (var i = 1; i < count.length; i++) { row = Math.max(row, (count[i - 1] + count[i]) / 2); }
        need = names.length * (row * s.lh + Math.round(s.fs * 0.4)) + g.top + g.bottom + s.lh + s.pad;
        return need <= s.H;
      });
      y.axisLabel.interval = 0;
      // Every row holds its name: the chart grows rather than overlap them.
      if (need > s.H) { s.H = Math.ceil(need); }
    }
    if (wrap.indexOf("x") >= 0 && x.data) {
      var plotW = s.W - 2 * s.pad - (labelW ? labelW + s.pad : valW);
      var room = plotW / Math.max(x.data.length, 1) - 6;
      if (longestWord(x.data, s.fs) <= room) {
        x.data = x.data.map(function (l) { return join(lines(l, room, s.fs), s.rtl); });
        delete x.axisLabel.rotate;
      } else {
        // Not even one word fits: upright, whole labels, one per column.
        x.data = x.data.map(function (l) { return join([bare(l)], s.rtl); });
        x.axisLabel.rotate = 90;
      }
      x.axisLabel.interval = 0;
    }
    // Fewer value ticks where there is little room for their labels.
    if (x.type === "value") {
      // The end ticks' labels are centred on the plot's edges, and value
      // labels sit past the longest bar's end: room for one on each side.
      g.left += Math.round(valW);
      g.right += Math.round(valW);
      x.splitNumber = clamp(Math.floor((s.W - 2 * s.pad - labelW) / (s.fs * 5)), 2, 5);
    } else if (y.type === "value") {
      y.splitNumber = clamp(Math.floor((s.H - g.top - g.bottom) / (s.fs * 3)), 2, 5);
    }
    [x, y].forEach(function (a) {
      // Percentages step by round shares (25 %, 50 %), not by 30.
      if (a.type === "value" && a.max === 100 && a.interval == null) { a.interval = a.splitNumber >= 4 ? 25 : 50; }
    });
    if (m.ticks) {
      var axis = x.type === "value" ? x : y, ticks = m.ticks;
      axis.axisLabel.formatter = function (v) {
        return v >= 1 && v <= ticks.length && v === Math.round(v) ? join([ticks[v - 1]], s.rtl) : "";
      };
    }
  }

  // tooltip names the dimensions in full where the axes have short names.
  function tooltip(o, s) {
    var full = arr(s.m.full).map(bare), esc = E.format.encodeHTML;
    var dir = s.rtl ? "rtl" : "ltr";
    if (o.radar) {
      o.tooltip = {trigger: "item", confine: true, formatter: function (p) {
        var vals = arr(p.value);
        return "<div dir=\"" + dir + "\"><b>" + esc(bare(p.name)) + "</b><br>" + full.map(function (f, i) {
          return esc(f) + ": <b>" + esc(String(vals[i])) + "</b>";
        }).join("<br>") + "</div>";
      }};
    } else if (full.length && s.m.rows) {
      var rows = s.m.rows;
      o.tooltip = {trigger: "item", confine: true, formatter: function (p) {
        var v = arr(p.value);
        return "<div dir=\"" + dir + "\"><b>" + esc(rows[v[1]] || "") + "</b><br>" + esc(full[v[0]] || "") + ": <b>" + esc(String(v[2])) + "</b></div>";
      }};
    } else if (o.tooltip) {
      o.tooltip.confine = true;
    }
  }

  // ---- Drawing on the page ---------------------------------------------

  function mode(el) { return el.classList.contains("slide-chart") ? "present" : "page"; }

  // draw lays out and draws a chart at its element's size; a hidden one
  // (a slide not shown yet) waits until it is shown.
  function draw(el) {
    var W = el.clientWidth;
    if (!W || !el.getClientRects().length) { return; }
    var fixed = parseInt(el.getAttribute("data-height"), 10) || 0;
    if (!el.marsadGrown) { el.marsadBase = fixed || el.clientHeight || 420; }
    // On paper, no save button.
    var paper = window.matchMedia && window.matchMedia("print").matches;
    var p = prepare(el.getAttribute("data-option"), W, el.marsadBase, mode(el), paper ? null : function () { save(el, "png"); });
    if (fixed || p.height > el.marsadBase) {
      el.style.blockSize = Math.max(p.height, el.marsadBase) + "px";
      el.marsadGrown = !fixed && p.height > el.marsadBase;
      // A slide's chart is sized by the slide; one that must grow stops
      // being so (and its slide scrolls) rather than squeeze its rows.
      el.style.flex = el.marsadGrown ? "0 0 auto" : "";
    } else if (el.marsadGrown) {
      el.style.blockSize = "";
      el.style.flex = "";
      el.marsadGrown = false;
    }
    var c = E.getInstanceByDom(el) || E.init(el, null, {renderer: "canvas", locale: lang});
    c.setOption(p.option, {notMerge: true});
    c.resize();
    el.setAttribute("data-rendered", "1");
  }
  function drawAll() {
    document.querySelectorAll(".chart[data-option]").forEach(draw);
  }

  // ---- Exports ------------------------------------------------------------

  function pad2(n) { return n < 10 ? "0" + n : String(n); }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate());
  }
  function xml(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }

  // render draws a chart off screen at the export size, white behind it.
  function render(el, kind) {
    var H = parseInt(el.getAttribute("data-height"), 10) || EXPORT_H;
    var p = prepare(el.getAttribute("data-option"), EXPORT_W, H, "export");
    var o = p.option;
    o.backgroundColor = "#ffffff";
    var box = document.createElement("div");
    box.dir = "ltr";
    box.style.position = "absolute";
    box.style.insetInlineStart = "-20000px";
    box.style.insetBlockStart = "0";
    document.body.appendChild(box);
    var c = E.init(box, null, {renderer: kind === "svg" ? "svg" : "canvas", locale: lang, width: EXPORT_W, height: p.height});
    c.setOption(o);
    var data = kind === "svg" ? c.renderToSVGString() : c.getDataURL({type: "png", pixelRatio: 2, backgroundColor: "#ffffff"});
    c.dispose();
    box.remove();
    var ls = lines([p.meta.caption, (p.meta.exported || "") + " " + today()].filter(Boolean).join(" · "), EXPORT_W - 32, CAPTION_SIZE);
    return {meta: p.meta, W: EXPORT_W, H: p.height, data: data, caption: ls, capH: 16 + ls.length * Math.round(CAPTION_SIZE * 1.4),
      file: p.meta.file || "marsad-" + el.id};
  }

  // png is the chart with its caption under it, as a PNG data URL.
  function png(el) {
    var r = render(el, "png"), k = 2, rtl = !!r.meta.rtl, lh = Math.round(CAPTION_SIZE * 1.4);
    var cv = document.createElement("canvas");
    cv.width = r.W * k;
    cv.height = (r.H + r.capH) * k;
    var g = cv.getContext("2d");
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, cv.width, cv.height);
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        g.drawImage(img, 0, 0, r.W * k, r.H * k);
        g.scale(k, k);
        g.fillStyle = "#b1b4b6";
        g.fillRect(16, r.H + 4, r.W - 32, 1);
        g.fillStyle = MUTED;
        g.font = CAPTION_SIZE + "px " + FONT;
        g.textBaseline = "top";
        g.direction = rtl ? "rtl" : "ltr";
        g.textAlign = rtl ? "right" : "left";
        r.caption.forEach(function (l, i) { g.fillText(l, rtl ? r.W - 16 : 16, r.H + 10 + i * lh); });
        resolve({name: r.file + ".png", data: cv.toDataURL("image/png")});
      };
      img.onerror = reject;
      img.src = r.data;
    });
  }

  // fontFaces is the page's Noto fonts as @font-face rules with the font
  // files inside (data: URLs), for SVG files that render the same
  // anywhere; "" where they cannot be read.
  var faces = null;
  function dataURL(url) {
    if (url.indexOf("data:") === 0) { return Promise.resolve(url); }
    return fetch(url).then(function (res) {
      if (!res.ok) { throw new Error(res.status); }
      return res.blob();
    }).then(function (b) {
      return new Promise(function (resolve, reject) {
        var fr = new FileReader();
        fr.onload = function () { resolve(fr.result); };
        fr.onerror = reject;
        fr.readAsDataURL(b);
      });
    });
  }
  function fontFaces() {
    if (faces) { return faces; }
    var jobs = [];
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      var rules;
      try { rules = sheet.cssRules; } catch (e) { return; }
      Array.prototype.forEach.call(rules || [], function (rule) {
        if (rule.type !== 5) { return; } // CSSRule.FONT_FACE_RULE
        var family = rule.style.getPropertyValue("font-family").replace(/["']/g, "").trim();
        var src = /url\(["']?([^"')]+)["']?\)/.exec(rule.style.getPropertyValue("src"));
        if ((family !== "Noto Sans Arabic" && family !== "Noto Sans") || !src) { return; }
        var url = src[1].indexOf("data:") === 0 ? src[1] : new URL(src[1], sheet.href || location.href).href;
        var weight = rule.style.getPropertyValue("font-weight") || "400", range = rule.style.getPropertyValue("unicode-range");
        jobs.push(dataURL(url).then(function (d) {
          return "@font-face{font-family:\"" + family + "\";font-weight:" + weight + ";src:url(" + d + ") format(\"woff2\");" +
            (range ? "unicode-range:" + range + ";" : "") + "}";
        }, function () { return ""; }));
      });
    });
    faces = Promise.all(jobs).then(function (l) { return l.join(""); });
    return faces;
  }

  // svg is the chart with its caption under it as an SVG file: white
  // background, the fonts inside.
  function svg(el) {
    var r = render(el, "svg"), rtl = !!r.meta.rtl, lh = Math.round(CAPTION_SIZE * 1.4), H = r.H + r.capH;
    return fontFaces().then(function (css) {
      var inner = r.data.replace(/^[\s\S]*?<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
      var text = r.caption.map(function (l, i) {
        return "<text x=\"" + (rtl ? r.W - 16 : 16) + "\" y=\"" + (r.H + 10 + i * lh + CAPTION_SIZE) + "\" text-anchor=\"" + (rtl ? "end" : "start") +
          "\" font-family=\"" + xml(FONT) + "\" font-size=\"" + CAPTION_SIZE + "\" fill=\"" + MUTED + "\">" + xml(rtl ? RLI + l + PDI : l) + "</text>";
      }).join("");
      var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"" + r.W +
        "\" height=\"" + H + "\" viewBox=\"0 0 " + r.W + " " + H + "\">" + (css ? "<defs><style>" + css + "</style></defs>" : "") +
        "<rect width=\"" + r.W + "\" height=\"" + H + "\" fill=\"#ffffff\"/>" + inner +
        "<rect x=\"16\" y=\"" + (r.H + 4) + "\" width=\"" + (r.W - 32) + "\" height=\"1\" fill=\"#b1b4b6\"/>" + text + "</svg>";
      return {name: r.file + ".svg", data: out};
    });
  }

  function exportOf(el, kind) { return kind === "svg" ? svg(el) : png(el); }
  function save(el, kind) {
    exportOf(el, kind).then(function (f) {
      var url = kind === "svg" ? URL.createObjectURL(new Blob([f.data], {type: "image/svg+xml"})) : f.data;
      var a = document.createElement("a");
      a.href = url;
      a.download = f.name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      if (kind === "svg") { setTimeout(function () { URL.revokeObjectURL(url); }, 1000); }
    });
  }

  // For presentation mode and tests: redraw one chart (a slide just
  // shown), and a chart's exports as {name, data} (a PNG data URL or the
  // SVG text).
  window.marsadRedraw = draw;
  window.marsadLayout = function (id, w, h, mode) {
    var p = prepare(document.getElementById(id).getAttribute("data-option"), w, h, mode || "page");
    return {height: p.height, fontSize: p.option.textStyle.fontSize, grid: p.option.grid};
  };
  window.marsadExport = function (id, kind) { return exportOf(document.getElementById(id), kind); };
  window.marsadSVG = function (id) { return svg(document.getElementById(id)).then(function (f) { return f.data; }); };

  document.querySelectorAll("[data-svg], [data-png]").forEach(function (b) {
    b.addEventListener("click", function () {
      var kind = b.hasAttribute("data-svg") ? "svg" : "png";
      save(document.getElementById(b.getAttribute("data-" + kind)), kind);
    });
  });

  var timer = 0;
  function redrawSoon() {
    clearTimeout(timer);
    timer = setTimeout(drawAll, 120);
  }
  window.addEventListener("resize", redrawSoon);
  window.addEventListener("beforeprint", drawAll);
  window.addEventListener("afterprint", drawAll);
  // The print layout (A4, shorter charts) applies after "beforeprint":
  // the print media query's change is when the charts can measure it.
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) { printing.addEventListener("change", drawAll); }
  }
  document.addEventListener("fullscreenchange", redrawSoon);

  // Measure text only once the fonts are there, or the wrapping would be
  // made for the fallback font.
  var fonts = document.fonts;
  if (fonts && fonts.load) {
    Promise.all([fonts.load("12px 'Noto Sans Arabic'", "\u0645"), fonts.load("bold 12px 'Noto Sans Arabic'", "\u0645"),
      fonts.load("12px 'Noto Sans'", "a"), fonts.load("bold 12px 'Noto Sans'", "a")]).then(drawAll, drawAll);
  } else {
    drawAll();
  }
})();
