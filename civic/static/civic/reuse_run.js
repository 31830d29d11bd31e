// Follows a reuse study's run: the count and bar move as scenarios are solved; the page reloads at the end.
(function () {
  "use strict";
  const section = document.getElementById("reuse-run");
  if (!section) {
    return;
  }
  const url = section.dataset.progressUrl;
  const done = document.getElementById("reuse-run-done");
  const total = document.getElementById("reuse-run-total");
  const bar = document.getElementById("reuse-run-progress");

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (run) {
        done.textContent = run.done;
        total.textContent = run.total;
        bar.max = run.total;
        bar.value = run.done;
        if (run.state === "running") {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
