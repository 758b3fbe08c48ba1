// Marsad's only script: small progressive enhancements. Every page works
// without it. No inline scripts anywhere, so the Content-Security-Policy can
// forbid them.
(function () {
  "use strict";

  // Move focus to an error summary or success panel so screen readers hear it.
  var focus = document.querySelector("[data-autofocus]");
  if (focus) { focus.focus(); }

  // Copy buttons: <button data-copy="input-id" data-copied="Copied">.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var input = document.getElementById(btn.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      var done = function () {
        var label = btn.textContent;
        btn.textContent = btn.getAttribute("data-copied");
        setTimeout(function () { btn.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // Confirmation before destructive actions: <button data-confirm="…">.
  document.querySelectorAll("[data-confirm]").forEach(function (btn) {
    btn.addEventListener("click", function (e) {
      if (!window.confirm(btn.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
})();

// A print button: the print stylesheet lays the page out on A4, and the
// browser's dialog saves it as PDF.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
