/* Seller dashboard: small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // Phones show the navigation as one scrolling row: bring the current page into view.
  var current = document.querySelector(".seller-nav [aria-current='page']");
  if (current) {
    var row = current.closest("ul");
    if (row && row.scrollWidth > row.clientWidth) {
      row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
    }
  }

  // Removing a member or cancelling an invitation asks first.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
