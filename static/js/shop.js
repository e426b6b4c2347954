/* ReMarket shop: small progressive enhancements. Every page works without this. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* Forms marked data-autosubmit submit when a choice changes (filters, market).
     Number inputs wait for the shopper to leave the field or press Enter. */
  function autoSubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (target.type === "number" || target.type === "search") return;
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.submit();
      });
      // Empty values ("price_min=", battery "Any") would clutter the URL.
      form.addEventListener("submit", function () {
        form.querySelectorAll("input[type=number], input[type=radio]").forEach(function (input) {
          if (!input.value) input.disabled = true;
        });
      });
      // Coming back to this page from the history must find the inputs usable.
      window.addEventListener("pageshow", function () {
        form.querySelectorAll("input:disabled").forEach(function (input) {
          input.disabled = false;
        });
      });
    });
  }

  /* On wide screens the filter column is always open. */
  function openFiltersOnDesktop() {
    var details = document.querySelector("details[data-filters]");
    if (!details || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 960px)");
    function sync() { if (wide.matches) details.open = true; }
    sync();
    if (wide.addEventListener) wide.addEventListener("change", sync);
  }

  /* Close pop-up menus (sort, market) when clicking elsewhere or pressing Escape. */
  function menus() {
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
        if (!menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
        menu.open = false;
        menu.querySelector("summary").focus();
      });
    });
  }

  /* Search suggestions: device model names in the input's <datalist>.
     Picking a suggestion opens that device's page. */
  function suggestions() {
    document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      if (!list || !window.fetch) return;
      var urls = {};
      var timer = null;
      var lastQuery = "";
      var controller = null;

      function render(results) {
        urls = {};
        list.textContent = "";
        results.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.name;
          urls[item.name] = item.url;
          list.appendChild(option);
        });
      }

      function load(query) {
        if (controller) controller.abort();
        controller = window.AbortController ? new AbortController() : null;
        var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(query);
        fetch(url, { headers: { Accept: "application/json" }, signal: controller && controller.signal })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { if (input.value.trim() === query) render(data.results || []); })
          .catch(function () { /* Suggestions are a nicety: stay quiet. */ });
      }

      input.addEventListener("input", function (event) {
        var value = input.value.trim();
        // A choice from the list arrives as a replacement (or without inputType).
        if (urls[input.value] && (!event.inputType || event.inputType === "insertReplacementText")) {
          window.location.href = urls[input.value];
          return;
        }
        if (value === lastQuery) return;
        lastQuery = value;
        clearTimeout(timer);
        if (value.length < 2) { render([]); return; }
        timer = setTimeout(function () { load(value); }, 150);
      });
    });
  }

  /* Buttons marked data-print print the page (the CSP allows no onclick=""). */
  function printButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  ready(function () {
    autoSubmit();
    openFiltersOnDesktop();
    menus();
    suggestions();
    printButtons();
  });
})();
