// Portal: copy buttons for read-only fields (Link URLs, new keys, secrets), and times in the viewer's time
// zone. Every page works without it (times stay in UTC); this only makes them quicker to use and read.
// Destructive changes are confirmed on a page of their own, not here.
(function () {
  "use strict";

  function announce(button, message) {
    var scope = button.closest("section, .notice, .card") || document;
    var status = scope.querySelector(".copy-status");
    if (status) { status.textContent = message; }
  }

  function copyField(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var done = function () {
      var original = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", original);
      button.textContent = "Copied";
      announce(button, "Copied to the clipboard.");
      window.setTimeout(function () { button.textContent = original; }, 2000);
    };
    var fallback = function () {
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) { done(); return; }
      } catch (ignored) { /* the selection stays, for Ctrl+C */ }
      announce(button, "Press Ctrl+C (or ⌘C) to copy the selected text.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copyField(button);
    }
  });
})();
