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

  // An instant (a <time datetime> with an offset; the server writes it in UTC) in the viewer's time zone,
  // its UTC text kept as the title. A calendar date (an invoice's issue date) has no offset and is left alone:
  // it is the same day everywhere.
  var INSTANT = /(Z|[+-]\d\d:?\d\d)$/;

  function localTimes() {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    var format = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
    });
    Array.prototype.forEach.call(document.querySelectorAll("time[datetime]"), function (element) {
      var value = element.getAttribute("datetime");
      var moment = new Date(value);
      if (!INSTANT.test(value) || isNaN(moment.getTime())) { return; }
      element.setAttribute("title", element.textContent);
      element.textContent = format.format(moment);
    });
  }

  localTimes();

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) {
      event.preventDefault();
      copyField(button);
    }
  });
})();
