// The embedded Link, inside its frame: tells the client's page (and only its origin, never "*") what
// happened on this page, as the server wrote it into #ledgerlink-embed. /link/sdk.js receives it.
(function () {
  "use strict";
  var data = document.getElementById("ledgerlink-embed");
  if (!data || window.parent === window) {
    return;
  }
  var message = {
    source: "ledgerlink",
    event: data.getAttribute("data-event"),
    payload: JSON.parse(data.getAttribute("data-payload") || "{}"),
  };
  window.parent.postMessage(message, data.getAttribute("data-origin"));
})();
