// The scoring-sheet editor (procurement/tendering/admin/lot_sheet.html): the running total as the
// officer types, and adding, moving and removing rows in the page. Without this file every button
// is a plain submit button and the server does the same (see procurement/tendering/sheet_screens.py).
// The rows stay one Django formset: after each change the rows are renumbered in order, so the
// server reads them in the order shown.
(function () {
  "use strict";

  function init(form) {
    var prefix = form.getAttribute("data-prefix");
    var body = form.querySelector("[data-sheet-rows]");
    var template = form.querySelector("template[data-sheet-empty-row]");
    var totalForms = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var totalOut = form.querySelector("[data-sheet-total]");
    var statusOut = form.querySelector("[data-sheet-status]");
    var announce = form.querySelector("[data-sheet-announce]");
    var maxRows = parseInt(form.getAttribute("data-max-rows"), 10) || 30;
    var expected = toCents(form.getAttribute("data-expected"));
    var fieldName = new RegExp("^" + prefix + "-(\\d+|__prefix__)-");

    function toCents(value) {
      var text = String(value || "").trim();
      if (!/^\d+(\.\d{0,2})?$/.test(text)) {
        return null;
      }
      return Math.round(parseFloat(text) * 100);
    }

    function points(cents) {
      var text = (cents / 100).toFixed(2);
      return text.replace(/\.?0+$/, "");
    }

    function rows() {
      return Array.prototype.slice.call(body.querySelectorAll("tr[data-sheet-row]"));
    }

    function say(message) {
      if (announce) {
        announce.textContent = "";
        window.setTimeout(function () { announce.textContent = message; }, 50);
      }
    }

    function updateTotal() {
      var cents = 0;
      rows().forEach(function (row) {
        var input = row.querySelector("[data-points]");
        var value = input ? toCents(input.value) : null;
        if (value !== null) {
          cents += value;
        }
      });
      totalOut.textContent = points(cents);
      var message;
      if (cents === expected) {
        message = form.getAttribute("data-msg-exact");
      } else if (cents < expected) {
        message = form.getAttribute("data-msg-short").replace("{n}", points(expected - cents));
      } else {
        message = form.getAttribute("data-msg-over").replace("{n}", points(cents - expected));
      }
      statusOut.textContent = message;
      statusOut.classList.toggle("sheet-status-ok", cents === expected);
      statusOut.classList.toggle("sheet-status-off", cents !== expected);
    }

    // Give every row the index of its position: names, ids, labels and the buttons' values.
    function renumber() {
      var list = rows();
      list.forEach(function (row, index) {
        row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value && fieldName.test(value)) {
              el.setAttribute(attr, value.replace(fieldName, prefix + "-" + index + "-"));
            }
          });
        });
        row.querySelectorAll("button[name='op']").forEach(function (button) {
          button.value = button.value.replace(/-(\d+|__prefix__)$/, "-" + index);
        });
        var number = row.querySelector("[data-row-number]");
        if (number) {
          number.textContent = String(index + 1);
        }
      });
      totalForms.value = String(list.length);
      updateTotal();
    }

    function addRow() {
      if (rows().length >= maxRows) {
        say(form.getAttribute("data-msg-full"));
        return;
      }
      var fragment = template.content.cloneNode(true);
      var row = fragment.querySelector("tr");
      body.appendChild(row);
      renumber();
      var input = row.querySelector("input, select, textarea");
      if (input) {
        input.focus();
      }
      say(form.getAttribute("data-msg-added"));
    }

    function move(row, direction, button) {
      var list = rows();
      var index = list.indexOf(row);
      var target = direction === "up" ? index - 1 : index + 1;
      if (target < 0 || target >= list.length) {
        return;
      }
      if (direction === "up") {
        body.insertBefore(row, list[target]);
      } else {
        body.insertBefore(list[target], row);
      }
      renumber();
      // Keep the keyboard where it was; at an edge, on the button that still moves the row.
      var atEdge = (direction === "up" && target === 0) || (direction === "down" && target === list.length - 1);
      var focus = atEdge ? row.querySelector("[data-sheet-move='" + (direction === "up" ? "down" : "up") + "']") : button;
      if (focus) {
        focus.focus();
      }
      say(form.getAttribute("data-msg-moved").replace("{n}", String(target + 1)));
    }

    function remove(row) {
      var list = rows();
      var index = list.indexOf(row);
      row.parentNode.removeChild(row);
      if (!rows().length) {
        addRow();
      }
      renumber();
      var next = rows()[Math.min(index, rows().length - 1)];
      var focus = next ? next.querySelector("input, select, textarea") : form.querySelector("[data-sheet-add]");
      if (focus) {
        focus.focus();
      }
      say(form.getAttribute("data-msg-removed"));
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name='op']");
      if (!button || !form.contains(button)) {
        return;
      }
      var row = button.closest("tr[data-sheet-row]");
      if (button.hasAttribute("data-sheet-add")) {
        event.preventDefault();
        addRow();
      } else if (row && button.hasAttribute("data-sheet-move")) {
        event.preventDefault();
        move(row, button.getAttribute("data-sheet-move"), button);
      } else if (row && button.hasAttribute("data-sheet-remove")) {
        event.preventDefault();
        remove(row);
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("[data-points]")) {
        updateTotal();
      }
    });
    updateTotal();
  }

  document.querySelectorAll("form[data-scoring-sheet]").forEach(init);
})();
