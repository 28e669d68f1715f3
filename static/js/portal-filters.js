// The portal lists' filter forms (cms/templates/cms/includes/portal_list_tools.html) are GET forms:
// submitted without their empty fields, the address holds only the filters in use, short enough to
// share. Fields are re-enabled when the page is shown again from the back/forward cache.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.portal-filters")) {
      return;
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "") {
        field.disabled = true;
      }
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.portal-filters [disabled]").forEach(function (field) {
      field.disabled = false;
    });
  });
})();
