/* API tokens page: a Copy button for the new key (the key is selectable without it). */
(function () {
  "use strict";

  function say(status, text) {
    if (status) { status.textContent = text; }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!field) { return; }
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      field.select();
      var done = function () {
        button.textContent = "Copied";
        say(status, "The key is on your clipboard. Keep it somewhere safe.");
      };
      var failed = function () {
        say(status, "Could not copy: select the key and copy it yourself.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        try {
          if (document.execCommand("copy")) { done(); } else { failed(); }
        } catch (error) {
          failed();
        }
      }
    });
  });
})();
