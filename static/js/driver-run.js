// The driver's page asks every few seconds what the stores have scanned in, and writes it into each
// stop (and the total) without reloading, so taps and forms stay where the driver left them.
(function () {
  "use strict";
  var list = document.getElementById("driver-stops");
  if (!list || !window.fetch) return;
  var url = list.dataset.statusUrl;
  var every = (parseInt(list.dataset.pollSeconds, 10) || 15) * 1000;
  var total = document.getElementById("driver-total");

  function apply(data) {
    data.stops.forEach(function (stop) {
      var item = list.querySelector('[data-stop-id="' + stop.id + '"]');
      if (!item) return;
      var proof = item.querySelector('[data-field="proof"]');
      if (proof && stop.proof) {
        proof.textContent = stop.proof;
        proof.classList.toggle("tone-ok", stop.drops > 0 && stop.scanned_in === stop.drops);
        proof.classList.toggle("tone-bad", stop.sent_back > 0);
      }
    });
    if (total) total.textContent = data.summary;
  }

  function poll() {
    if (document.visibilityState === "hidden") return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && data.ok) apply(data); })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  setInterval(poll, every);
  document.addEventListener("visibilitychange", poll);
})();
