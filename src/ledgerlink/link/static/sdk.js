// ledgerlink's embedded Link (docs/link.md, "Embedding Link"). A client's page loads this script from
// ledgerlink and calls
//
//   var link = ledgerlinkLink.open({
//     companyId: "…", accessToken: "…",        // GET /companies/{companyId}/accessToken, never the API key
//     target: "#where",                          // an element (or selector) to open in; none: a modal
//     onConnection: function (connection) {},   // { connectionId, platform, platformName, sourceType, … }
//     onFinish: function () {}, onClose: function () {},
//     onError: function (error) {},             // { message, errorCode, correlationId, userRecoverable }
//   });
//   link.close();
//
// Link opens in a frame; the access token is POSTed into it (never in a URL). Messages are accepted only
// from that frame, from ledgerlink's origin, in Link's shape. Styles are set through the CSSOM and no
// inline script is made, so a page with a strict Content-Security-Policy can load it with a nonce.
(function () {
  "use strict";
  var ORIGIN = new URL(document.currentScript.src).origin;
  var CALLBACKS = ["onConnection", "onFinish", "onClose", "onError"];
  var opened = 0;

  function styled(element, rules) {
    Object.keys(rules).forEach(function (name) {
      element.style[name] = rules[name];
    });
    return element;
  }

  function element(options) {
    if (!options.target) {
      return null;
    }
    var found = typeof options.target === "string" ? document.querySelector(options.target) : options.target;
    if (!found) {
      throw new Error("ledgerlinkLink.open: no element " + options.target);
    }
    return found;
  }

  // A modal: the rest of the page is inert while it is open (focus stays in it), Escape or the button
  // closes it, and focus goes back where it was.
  function modal(frame, onClose) {
    var overlay = styled(document.createElement("div"), {
      position: "fixed", inset: "0", zIndex: "2147483647", display: "flex", alignItems: "center",
      justifyContent: "center", background: "rgba(0, 0, 0, 0.6)",
    });
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", frame.title);
    var box = styled(document.createElement("div"), {
      display: "flex", flexDirection: "column", width: "min(600px, 100%)", maxHeight: "100%",
      background: "#ffffff", borderRadius: "8px", overflow: "hidden",
    });
    var button = styled(document.createElement("button"), {
      alignSelf: "flex-end", margin: "8px", padding: "6px 14px", font: "inherit", cursor: "pointer",
      color: "#1a1a1a", background: "#ffffff", border: "1px solid #555555", borderRadius: "4px",
    });
    button.type = "button";
    button.textContent = "Close";
    button.addEventListener("click", onClose);
    overlay.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        onClose();
      }
    });
    box.appendChild(button);
    box.appendChild(frame);
    overlay.appendChild(box);
    var made = [];
    Array.prototype.forEach.call(document.body.children, function (child) {
      if (!child.inert) {
        child.inert = true;
        made.push(child);
      }
    });
    document.body.appendChild(overlay);
    button.focus();
    return function () {
      made.forEach(function (child) {
        child.inert = false;
      });
      overlay.remove();
    };
  }

  function post(name, companyId, accessToken) {
    var form = styled(document.createElement("form"), { display: "none" });
    form.method = "post";
    form.action = ORIGIN + "/link/embed/company/" + encodeURIComponent(companyId);
    form.target = name;
    [["accessToken", accessToken], ["origin", window.location.origin]].forEach(function (field) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = field[0];
      input.value = field[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  function open(options) {
    if (!options || !options.companyId || !options.accessToken) {
      throw new Error("ledgerlinkLink.open needs a companyId and its accessToken");
    }
    opened += 1;
    var name = "ledgerlink-link-" + opened + "-" + Math.random().toString(36).slice(2);
    var host = element(options);
    var frame = styled(document.createElement("iframe"), {
      display: "block", width: "100%", border: "0",
      height: options.height || (host ? "680px" : "min(680px, calc(100vh - 64px))"),
    });
    frame.name = name;
    frame.title = options.title || "Connect your software";
    var before = document.activeElement;
    var closed = false;
    var removeModal = null;

    function call(event, payload) {
      var callback = options[event];
      if (typeof callback !== "function") {
        return;
      }
      if (event === "onConnection" || event === "onError") {
        callback(payload);
      } else {
        callback();
      }
    }

    function receive(event) {
      if (event.origin !== ORIGIN || event.source !== frame.contentWindow) {
        return;
      }
      var data = event.data;
      if (!data || data.source !== "ledgerlink" || CALLBACKS.indexOf(data.event) < 0) {
        return;
      }
      if (typeof data.payload !== "object" || data.payload === null) {
        return;
      }
      call(data.event, data.payload);
    }

    function close() {
      if (closed) {
        return;
      }
      closed = true;
      window.removeEventListener("message", receive);
      if (removeModal) {
        removeModal();
      } else {
        frame.remove();
      }
      if (before && typeof before.focus === "function") {
        before.focus();
      }
    }

    window.addEventListener("message", receive);
    if (host) {
      host.appendChild(frame);
    } else {
      removeModal = modal(frame, function () {
        close();
        call("onClose", {});
      });
    }
    post(name, options.companyId, options.accessToken);
    return { close: close };
  }

  window.ledgerlinkLink = { open: open };
})();
