// Choosing conditions fills in their usual travel-time factor, which the planner may then change.
// "As the day's conditions" (an empty choice) empties the factor: the day's factor applies.
(function () {
  "use strict";
  document.querySelectorAll("select[data-usual-factors]").forEach(function (select) {
    var factor = document.getElementById(select.dataset.factorField);
    var usual = JSON.parse(select.dataset.usualFactors);
    if (!factor) {
      return;
    }
    select.addEventListener("change", function () {
      factor.value = select.value in usual ? usual[select.value] : "";
    });
  });
})();
