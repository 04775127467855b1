// My exports: poll the API for jobs still pending or running, update their progress, reload when one finishes.
// Without JavaScript the page's Refresh link does the same.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function activeRows() {
    return Array.prototype.filter.call(document.querySelectorAll("tr[data-export-id]"), function (row) {
      var status = row.getAttribute("data-status");
      return status === "pending" || status === "running";
    });
  }

  function update(row, job) {
    var bar = row.querySelector("[data-export-progress]");
    var percent = row.querySelector("[data-export-percent]");
    if (bar) { bar.value = job.progress; }
    if (percent) { percent.textContent = Math.round(job.progress * 100) + "%"; }
    if (job.status !== row.getAttribute("data-status")) {
      row.setAttribute("data-status", job.status);
      if (job.status === "done" || job.status === "failed") { return true; }
    }
    return false;
  }

  function poll() {
    var rows = activeRows();
    if (!rows.length) { return; }
    Promise.all(rows.map(function (row) {
      return fetch(row.getAttribute("data-poll-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (job) { return job ? update(row, job) : false; })
        .catch(function () { return false; });
    })).then(function (finished) {
      if (finished.some(Boolean)) { window.location.reload(); return; }
      window.setTimeout(poll, INTERVAL_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(poll, INTERVAL_MS); });
})();
