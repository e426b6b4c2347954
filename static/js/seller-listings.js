/* Seller listings: a row's stock and prices saved in place, "select all on
   this page", and the device search of the listing form. Without this file
   every form still posts and comes back. */
(function () {
  "use strict";

  // --- Inline edit: post the row's form with fetch, show the answer in the row.
  function rowOf(form) {
    return document.getElementById("listing-" + form.id.replace("quick-", ""));
  }

  function clearErrors(row) {
    row.querySelectorAll(".quick-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
  }

  function showResult(row, text, ok) {
    var box = row.querySelector("[data-quick-result]");
    if (!box) { return; }
    box.textContent = "";
    var span = document.createElement("span");
    span.className = ok ? "quick-ok" : "quick-error";
    span.textContent = text;
    box.appendChild(span);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-quick-form]") || !window.fetch) { return; }
    event.preventDefault();
    var row = rowOf(form);
    var data = new FormData(form); // includes the row's inputs (form= attribute)
    row.classList.add("is-saving");
    clearErrors(row);
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: "The server did not answer: try again." };
      });
    }).then(function (answer) {
      row.classList.remove("is-saving");
      if (answer.ok) {
        var visibility = row.querySelector("[data-visibility]");
        if (visibility) {
          visibility.textContent = "";
          var span = document.createElement("span");
          span.className = answer.hidden_reason ? "listing-hidden" : "listing-live";
          span.textContent = answer.hidden_reason
            ? "Not on the site: " + answer.hidden_reason : "On the site";
          visibility.appendChild(span);
        }
        row.classList.toggle("is-hidden", Boolean(answer.hidden_reason));
        showResult(row, "Saved", true);
        return;
      }
      var prefix = "l" + row.getAttribute("data-listing") + "-";
      Object.keys(answer.errors || {}).forEach(function (name) {
        var input = document.querySelector('[name="' + prefix + name + '"]');
        if (!input) { return; }
        input.setAttribute("aria-invalid", "true");
        var note = document.createElement("span");
        note.className = "quick-error";
        note.textContent = answer.errors[name][0];
        input.closest("label, td").appendChild(note);
      });
      showResult(row, answer.message || "Not saved.", false);
    }).catch(function () {
      row.classList.remove("is-saving");
      showResult(row, "Not saved: the connection failed. Try again.", false);
    });
  });

  // --- Filters: leave empty fields out of the address, so it stays readable.
  var filters = document.querySelector(".listings-filters");
  if (filters) {
    filters.addEventListener("submit", function () {
      filters.querySelectorAll("input, select").forEach(function (field) {
        if (!field.value) { field.disabled = true; }
      });
    });
  }

  // --- Select all on this page, and the count of selected rows.
  var all = document.querySelector("[data-select-page]");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[name="selected"][form="bulk-form"]')
  );
  var count = document.querySelector("[data-selected-count]");
  function updateCount() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    if (count) { count.textContent = n ? "(" + n + ")" : ""; }
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      updateCount();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", updateCount); });
  updateCount();

  // --- The listing form's device search: matches as you type.
  var picker = document.querySelector("[data-variant-picker]");
  if (picker && window.fetch) {
    var input = picker.querySelector('input[name="variant_q"]');
    var select = picker.querySelector('select[name="variant"]');
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) { return; }
        last = q;
        fetch(picker.getAttribute("data-url") + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.json(); }).then(function (answer) {
          var chosen = select.value;
          select.textContent = "";
          var first = document.createElement("option");
          first.value = "";
          first.textContent = answer.results.length
            ? "Choose a device (" + answer.results.length + " found)" : "No device found";
          select.appendChild(first);
          answer.results.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.id;
            option.textContent = item.label;
            if (String(item.id) === chosen) { option.selected = true; }
            select.appendChild(option);
          });
          if (answer.results.length === 1) { select.value = String(answer.results[0].id); }
        }).catch(function () { /* the Find button still works */ });
      }, 200);
    });
    // Enter in the search box finds; it must not submit the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        input.dispatchEvent(new Event("input"));
      }
    });
  }
})();
