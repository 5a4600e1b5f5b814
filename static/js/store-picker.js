/* Checkout store picker: search, list and map; the chosen store goes back to the shop by postMessage. */
(function () {
  "use strict";
  var root = document.getElementById("picker");
  if (!root) return;
  var texts = JSON.parse(document.getElementById("picker-texts").textContent);
  var form = document.getElementById("picker-search");
  var input = document.getElementById("picker-q");
  var statusLine = document.getElementById("picker-status");
  var list = document.getElementById("picker-results");
  var template = document.getElementById("store-template");
  var origin = root.dataset.origin;
  var lastQuery = null;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // The map works without tiles: markers are vector circles on the container's plain background.
  var map = L.map("picker-map", { zoomControl: true, attributionControl: !!root.dataset.tileUrl }).setView([25.04, 121.53], 12);
  if (root.dataset.tileUrl) {
    L.tileLayer(root.dataset.tileUrl, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" })
      .on("tileerror", function () { root.classList.add("no-tiles"); })
      .addTo(map);
  } else {
    root.classList.add("no-tiles");
  }
  var markers = L.layerGroup().addTo(map);

  function params(extra) {
    var query = new URLSearchParams(extra);
    if (root.dataset.size) query.set("size_class", root.dataset.size);
    if (root.dataset.weight) query.set("weight_g", root.dataset.weight);
    if (root.dataset.temperature) query.set("temperature_class", root.dataset.temperature);
    if (document.getElementById("picker-open-now").checked) query.set("open_now", "true");
    if (document.getElementById("picker-24h").checked) query.set("is_24h", "true");
    return query;
  }

  function search(extra) {
    lastQuery = extra;
    statusLine.textContent = texts.searching;
    fetch(root.dataset.searchUrl + "?" + params(extra).toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) {
          var fields = answer.body.fields || {};
          var first = Object.keys(fields)[0];
          statusLine.textContent = first ? fields[first][0] : texts.failed;
          render([]);
          return;
        }
        var place = answer.body.origin.label || texts.yourLocation;
        statusLine.textContent = answer.body.results.length ? fmt(texts.found, { n: answer.body.results.length, place: place }) : texts.none;
        render(answer.body.results);
      })
      .catch(function () { statusLine.textContent = texts.failed; });
  }

  function facts(store) {
    var parts = [fmt(texts.away, { km: (store.distance_m / 1000).toFixed(1) })];
    parts.push(store.is_24h ? texts.open24 : (store.open_now ? texts.openNow : texts.closedNow));
    parts.push(fmt(texts.free, { n: Math.max(store.free_capacity, 0) }));
    return parts.join(" · ");
  }

  // Today's hours in a line, the week on demand; a store open 24 hours says so in its facts already.
  function showHours(container, store) {
    if (store.is_24h) return;
    var byDay = {};
    store.opening_hours.forEach(function (interval) { byDay[interval.weekday] = interval.opens + "–" + interval.closes; });
    container.querySelector(".hours-today").textContent = texts.today + " " + (byDay[texts.todayIndex] || texts.closed);
    container.querySelector("summary").textContent = texts.week;
    var rows = container.querySelector("tbody");
    texts.weekdays.forEach(function (name, day) {
      var row = rows.insertRow();
      if (day === texts.todayIndex) row.className = "today";
      var head = document.createElement("th");
      head.scope = "row";
      head.textContent = name;
      row.appendChild(head);
      row.insertCell().textContent = byDay[day] || texts.closed;
    });
    container.hidden = false;
  }

  function render(stores) {
    list.innerHTML = "";
    markers.clearLayers();
    var bounds = [];
    stores.forEach(function (store, index) {
      var item = template.content.firstElementChild.cloneNode(true);
      var reasonId = "reason-" + store.code;
      item.id = "store-" + store.code;
      item.querySelector(".store-name").textContent = (index + 1) + ". " + store.name;
      item.querySelector(".store-address").textContent = store.address;
      item.querySelector(".store-facts").textContent = facts(store);
      showHours(item.querySelector(".store-hours"), store);
      var reason = item.querySelector(".store-reason");
      var button = item.querySelector(".choose");
      button.setAttribute("aria-label", fmt(texts.choose, { name: store.name }));
      if (store.selectable) {
        reason.remove();
        button.addEventListener("click", function () { choose(store); });
      } else {
        item.classList.add("unavailable");
        reason.textContent = store.reason;
        reason.id = reasonId;
        button.disabled = true;
        button.setAttribute("aria-describedby", reasonId);
      }
      list.appendChild(item);
      var marker = L.circleMarker([store.latitude, store.longitude], {
        radius: 9, weight: 2, color: "#fff", fillOpacity: 0.9, fillColor: store.selectable ? "#0b6e4f" : "#8a8f98",
      }).bindTooltip((index + 1) + ". " + store.name);
      marker.on("click", function () { item.scrollIntoView({ block: "nearest" }); button.focus(); });
      markers.addLayer(marker);
      bounds.push([store.latitude, store.longitude]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  }

  function choose(store) {
    var day = document.getElementById("picker-day");
    var message = {
      type: "pickup:store-selected",
      store: { code: store.code, name: store.name, address: store.address },
      pickup_day: day ? day.value : "",
      // The shopper's language on this page: the checkout records it with the order.
      language: document.documentElement.lang
    };
    var target = window.opener || (window.parent !== window ? window.parent : null);
    if (target) target.postMessage(message, origin);
    statusLine.textContent = fmt(texts.chosen, { name: store.name });
    if (window.opener) window.close();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.value.trim()) search({ q: input.value.trim() });
  });
  ["picker-open-now", "picker-24h"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function () { if (lastQuery) search(lastQuery); });
  });
  document.getElementById("picker-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { statusLine.textContent = texts.locationFailed; return; }
    statusLine.textContent = texts.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) { search({ lat: position.coords.latitude.toFixed(6), lng: position.coords.longitude.toFixed(6) }); },
      function () { statusLine.textContent = texts.locationFailed; },
      { timeout: 10000 }
    );
  });
  if (input.value.trim()) search({ q: input.value.trim() });
})();
