/* The status page: copy buttons, and a link to the reporter's private page when
 * this device filed the complaint and kept its reporter token. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http pages have no clipboard API; select a temporary field instead.
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "absolute";
    field.style.left = "-9999px";
    document.body.appendChild(field);
    field.select();
    var copied = document.execCommand("copy");
    document.body.removeChild(field);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-target]"), function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var text = target.value !== undefined ? target.value : target.textContent;
      var label = button.textContent;
      copyText(text.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }).catch(function () {
        if (target.select) {
          target.select();
        }
      });
    });
  });

  var storedLink = document.getElementById("reporter-link-stored");
  if (storedLink) {
    var code = document.getElementById("tracking-code-value");
    try {
      var tokens = JSON.parse(window.localStorage.getItem("petaAduan.reporterTokens") || "{}");
      var token = code && tokens[code.getAttribute("data-code")];
      if (token) {
        storedLink.href = window.location.pathname + "?token=" + encodeURIComponent(token);
        document.getElementById("reporter-link-hint").hidden = false;
      }
    } catch (ignored) {
      // Storage may be disabled; the private link saved by the reporter still works.
    }
  }
})();
