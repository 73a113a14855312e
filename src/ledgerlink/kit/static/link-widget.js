// Link: opens a platform's own authorization widget (Plaid Link) and hands its result to ledgerlink: the
// one-time token on success (posted with the visit's form token), the cancel form when the business leaves,
// the error when the widget fails. The platform's script is loaded by the page before this one.
(function () {
  var form = document.getElementById("widget-form");
  var cancel = document.getElementById("widget-cancel");
  var status = document.getElementById("widget-status");
  var button = document.getElementById("widget-open");
  if (!form || !cancel) return;
  var config = JSON.parse(form.getAttribute("data-widget-config") || "{}");
  var done = false;

  function succeed(token) {
    if (done) return;
    done = true;
    status.textContent = "Connecting…";
    form.elements.token.value = token;
    form.submit();
  }
  function exit(error) {
    if (done) return;
    done = true;
    if (error) {
      status.textContent = "Something went wrong.";
      form.elements.error.value = String(error);
      form.submit();
    } else {
      status.textContent = "Cancelling…";
      cancel.submit();
    }
  }

  // One adapter per kind of widget: how to open it with the config the server gave.
  var adapters = {
    plaid: function () {
      if (!window.Plaid || typeof window.Plaid.create !== "function") return null;
      return window.Plaid.create({
        token: config.token,
        onSuccess: function (publicToken) { succeed(publicToken); },
        onExit: function (error) {
          exit(error ? (error.error_code || error.error_message || "error") : null);
        },
      });
    },
  };

  var adapter = adapters[form.getAttribute("data-widget")];
  var handler = adapter ? adapter() : null;
  if (!handler) {
    status.textContent = "The sign-in window could not be loaded. Check your connection and reload the page.";
    button.hidden = true;
    return;
  }
  function open() {
    status.textContent = "Finish connecting in the window that opened.";
    handler.open();
  }
  button.addEventListener("click", open);
  open();
})();
