// Wagtail's modals (the organization chooser and the others, role="dialog") carry no accessible
// name: each one is named after its heading once that is loaded, so that a screen reader announces
// what the dialog is for (axe: aria-dialog-name). Loaded on every admin page (core.wagtail_hooks).
(function () {
  "use strict";
  var count = 0;

  function name(dialog) {
    if (dialog.hasAttribute("aria-label") || dialog.hasAttribute("aria-labelledby")) {
      return;
    }
    var heading = dialog.querySelector("h1, h2");
    if (!heading) {
      return;
    }
    if (!heading.id) {
      count += 1;
      heading.id = "dialog-title-" + count;
    }
    dialog.setAttribute("aria-labelledby", heading.id);
  }

  new MutationObserver(function () {
    document.querySelectorAll('.modal[role="dialog"]').forEach(name);
  }).observe(document.body, { childList: true, subtree: true });
})();
