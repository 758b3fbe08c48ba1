// Header menus (<details data-menu>: the compact navigation and the
// administration menu) work without this script; it only
// closes them the way people expect of a menu: Escape closes the innermost
// open one and gives focus back to its button, a click elsewhere closes
// them, and opening one closes the others (but not the one it sits in,
// nor one inside it).
(function () {
  "use strict";

  var menus = function () {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-menu][open]"));
  };

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var open = menus();
    if (!open.length) { return; }
    // The innermost open menu around the focus, else the last one opened.
    var inner = null;
    open.forEach(function (d) {
      if (d.contains(document.activeElement) && (!inner || inner.contains(d))) { inner = d; }
    });
    inner = inner || open[open.length - 1];
    inner.open = false;
    var summary = inner.querySelector("summary");
    if (summary) { summary.focus(); }
  });

  document.addEventListener("click", function (e) {
    menus().forEach(function (d) {
      if (!d.contains(e.target)) { d.open = false; }
    });
  });

  document.querySelectorAll("details[data-menu]").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open) { return; }
      menus().forEach(function (other) {
        if (other !== d && !other.contains(d) && !d.contains(other)) { other.open = false; }
      });
    });
  });
})();
