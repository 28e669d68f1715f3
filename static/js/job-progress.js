// The progress bar of one background job (core/jobs.py): polls the job's small JSON answer and
// moves the bar; when the job has finished, reloads the page, which then shows the outcome (the
// download link, or the rows to correct). No WebSocket: one cheap request every few seconds.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-progress-text");
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        if (state.finished) {
          window.location.reload();
          return;
        }
        if (state.percent === null || state.percent === undefined) {
          bar.removeAttribute("value");
        } else {
          bar.value = state.percent;
        }
        var line = state.text;
        if (text.textContent !== line) text.textContent = line;
        delay = Math.min(delay * 1.25, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
