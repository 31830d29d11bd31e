// Follows the jobs shown on a page (core/_job_progress.html): polls each one's status and moves its bar and
// message; when a job ends, the page reloads to show its result or why it failed.
(function () {
  "use strict";
  const sections = document.querySelectorAll(".job-progress[data-status-url]");
  sections.forEach(function (section) {
    const state = section.dataset.jobState;
    if (state !== "queued" && state !== "running") {
      return;
    }
    const bar = section.querySelector(".job-bar");
    const message = section.querySelector(".job-message");
    const stateLabel = section.querySelector(".job-state");
    function poll() {
      fetch(section.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (bar) { bar.value = job.fraction; }
          if (message) { message.textContent = job.message; }
          if (stateLabel) { stateLabel.textContent = job.state_label; }
          if (job.state === "queued" || job.state === "running") {
            window.setTimeout(poll, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
