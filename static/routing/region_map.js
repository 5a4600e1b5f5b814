// Draws a region's routes (or the whole day's, each named with its region) with Leaflet on a plain
// background: no tile server is needed (a tile URL in the page's data-tile-url adds one, and a server
// that does not answer leaves the plain background). Each route gets its colour, the DC and every stop a label.
(function () {
  "use strict";
  var element = document.getElementById("region-map");
  var source = document.getElementById("region-map-data");
  if (!element || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false, keyboard: true });
  var tiles = element.getAttribute("data-tile-url");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var bounds = [[data.dc.lat, data.dc.lon]];

  function label(text, colour, extraClass) {
    return L.divIcon({
      className: "map-label " + (extraClass || ""),
      html: '<span style="background:' + colour + '">' + text + "</span>",
      iconSize: null
    });
  }

  data.routes.forEach(function (route) {
    var name = (route.region ? route.region + " " : "") + route.number;
    var line = [[data.dc.lat, data.dc.lon]];
    route.stops.forEach(function (stop) {
      line.push([stop.lat, stop.lon]);
      bounds.push([stop.lat, stop.lon]);
      L.marker([stop.lat, stop.lon], { icon: label(stop.position, route.colour, "stop-label"), title: name + "." + stop.position + " " + stop.label, keyboard: false }).addTo(map);
    });
    line.push([data.dc.lat, data.dc.lon]);
    L.polyline(line, { color: route.colour, weight: 4, opacity: 0.85, className: "route-line route-" + route.number })
      .bindTooltip(name + " – " + route.vehicle).addTo(map);
  });
  data.unserved.forEach(function (stop) {
    bounds.push([stop.lat, stop.lon]);
    L.marker([stop.lat, stop.lon], { icon: label("×", "#7f7f7f", "unserved-label"), title: stop.label, keyboard: false }).addTo(map);
  });
  L.marker([data.dc.lat, data.dc.lon], { icon: label(data.dc.label, "#1d2433", "dc-label"), title: data.dc.label, keyboard: false }).addTo(map);
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  element.setAttribute("data-routes-drawn", String(data.routes.length));
})();
