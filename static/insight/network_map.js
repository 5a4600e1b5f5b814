// The network plan on a map: existing stores (grey dots), the chosen sites (numbered, in rank order)
// and the demand still uncovered (orange, larger for more parcels). Plain background unless the page
// gives a tile server.
(function () {
  "use strict";
  var element = document.getElementById("network-map");
  var source = document.getElementById("network-map-data");
  if (!element || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { preferCanvas: true, attributionControl: false, zoomSnap: 0.25 });
  var tiles = element.getAttribute("data-tile-url");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var bounds = [[data.dc.lat, data.dc.lon]];
  var heaviest = data.uncovered.reduce(function (most, cell) { return Math.max(most, cell[2]); }, 1);
  data.uncovered.forEach(function (cell) {
    L.circleMarker([cell[0], cell[1]], { radius: 2 + 6 * Math.sqrt(cell[2] / heaviest), stroke: false, fillColor: "#e8710a", fillOpacity: 0.55 }).addTo(map);
  });
  data.stores.forEach(function (point) {
    bounds.push(point);
    L.circleMarker(point, { radius: 3, color: "#5f6368", weight: 1, fillColor: "#9aa0a6", fillOpacity: 0.9 }).addTo(map);
  });
  data.chosen.forEach(function (site) {
    bounds.push([site.lat, site.lon]);
    L.marker([site.lat, site.lon], {
      icon: L.divIcon({ className: "map-label chosen-label", html: '<span style="background:#188038">' + site.rank + "</span>", iconSize: null }),
      title: site.rank + ". " + site.label
    }).addTo(map);
  });
  L.marker([data.dc.lat, data.dc.lon], { icon: L.divIcon({ className: "map-label dc-label", html: '<span style="background:#1d2433">' + data.dc.label + "</span>", iconSize: null }) }).addTo(map);
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  element.setAttribute("data-sites-drawn", String(data.chosen.length));
})();
