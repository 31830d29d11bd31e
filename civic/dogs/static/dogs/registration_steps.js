// The registration form one step at a time: Next checks the step's fields before moving on.
// Without JavaScript every step shows at once and the form still works.
(function () {
  const form = document.getElementById("registration-form");
  if (!form) return;
  const steps = Array.from(form.querySelectorAll("fieldset.step"));
  const markers = Array.from(document.querySelectorAll("#registration-steps li"));
  let current = Math.max(0, steps.findIndex((step) => step.dataset.hasErrors));
  function show(index) {
    current = index;
    steps.forEach((step, position) => { step.hidden = position !== index; });
    markers.forEach((marker, position) => marker.classList.toggle("current", position === index));
    const first = steps[index].querySelector("input, select, textarea");
    if (first) first.focus();
    // On the last step, show at once what registering would give.
    const check = steps[index].querySelector("#check-rules");
    if (check && typeof htmx !== "undefined") htmx.trigger(check, "click");
  }
  function stepIsValid(step) {
    return Array.from(step.querySelectorAll("input, select, textarea")).every((field) => field.reportValidity());
  }
  form.addEventListener("click", (event) => {
    const go = event.target.dataset && event.target.dataset.go;
    if (go === "next" && stepIsValid(steps[current])) show(current + 1);
    if (go === "back") show(current - 1);
  });
  // A field of a hidden step cannot show its own message: open the first step that needs fixing.
  form.addEventListener("submit", (event) => {
    const failing = steps.findIndex((step) => Array.from(step.querySelectorAll("input, select, textarea")).some((field) => !field.checkValidity()));
    if (failing === -1) return;
    event.preventDefault();
    show(failing);
    stepIsValid(steps[failing]);
  });
  show(current);
})();
