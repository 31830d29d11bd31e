// The network page while an analysis runs: poll its status and reload the page when it has finished.
(function () {
  const box = document.getElementById("analysis-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const message = document.getElementById("progress-message");
  const state = document.getElementById("analysis-state");
  const seconds = Number(box.dataset.pollSeconds || 2);
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then((response) => response.json())
      .then((status) => {
        bar.value = status.fraction;
        message.textContent = status.message;
        state.textContent = status.state_label;
        if (status.finished) window.location.assign(status.url);
        else window.setTimeout(poll, seconds * 1000);
      })
      .catch(() => window.setTimeout(poll, seconds * 4000));
  }
  window.setTimeout(poll, seconds * 1000);
})();
