/* Seller imports: the progress bar follows a running check or apply by asking
   the server every second; when the work is done the page reloads to show the
   result. Without JavaScript the page refreshes itself (a <noscript> meta). */
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector(".import-progress-text");
  var failures = 0;

  function number(value) {
    return Number(value).toLocaleString("en");
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (!state.working) {
          window.location.reload();
          return;
        }
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        text.textContent = state.percent + "%: " + number(state.rows_done) +
          " of " + number(state.rows_total) + " rows";
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        // A blip (a restart, the network): keep trying, more slowly.
        failures += 1;
        window.setTimeout(poll, Math.min(1000 * (failures + 1), 10000));
      });
  }

  window.setTimeout(poll, 1000);
})();
