// Draws the figures page's trends from the JSON the page carries (Chart.js, vendored under static/vendor).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var names = data.names;
  var colours = { brand: "#0b6e4f", bad: "#b3261e", blue: "#1a5fd1", amber: "#8a5a00" };
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function line(key, colour, axis) {
    return { type: "line", label: names[key], data: data[key], borderColor: colour, backgroundColor: colour,
             spanGaps: false, tension: 0.2, pointRadius: 2, yAxisID: axis || "y" };
  }

  new Chart(document.getElementById("chart-parcels"), {
    type: "bar",
    data: { labels: data.labels, datasets: [
      { label: names.delivered, data: data.delivered, backgroundColor: colours.brand },
      { label: names.expired, data: data.expired, backgroundColor: colours.bad }
    ] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  new Chart(document.getElementById("chart-rates"), {
    type: "line",
    data: { labels: data.labels, datasets: [
      line("pickup_rate", colours.brand), line("on_time_rate", colours.blue), line("occupancy", colours.amber)
    ] },
    options: { scales: { y: { min: 0, max: 100 } } }
  });
  new Chart(document.getElementById("chart-routes"), {
    type: "line",
    data: { labels: data.labels, datasets: [
      line("km_per_parcel", colours.brand, "km"), line("load_factor", colours.blue, "pct")
    ] },
    options: { scales: {
      km: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: names.km_per_parcel } },
      pct: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
             title: { display: true, text: names.load_factor } }
    } }
  });
  new Chart(document.getElementById("chart-dwell"), {
    type: "line",
    data: { labels: data.labels, datasets: [line("dwell_hours", colours.brand)] },
    options: { scales: { y: { beginAtZero: true } } }
  });
})();
