/* Demo shop: open the platform's store picker in a dialog and take the chosen store from its message. */
(function () {
  "use strict";
  var button = document.getElementById("open-picker");
  if (!button) return;
  var dialog = document.getElementById("picker-dialog");
  var frame = document.getElementById("picker-frame");
  var platformOrigin = JSON.parse(document.getElementById("platform-origin").textContent);

  button.addEventListener("click", function () {
    if (!frame.src) frame.src = button.dataset.pickerUrl;
    dialog.showModal();
  });
  window.addEventListener("message", function (event) {
    // Only the platform may hand a store over, and only in the agreed shape.
    if (event.origin !== platformOrigin || !event.data || event.data.type !== "pickup:store-selected") return;
    var store = event.data.store;
    document.querySelector("input[name=store_code]").value = store.code;
    var day = document.querySelector("select[name=pickup_day]");
    if (day && typeof event.data.pickup_day === "string") day.value = event.data.pickup_day;
    if (typeof event.data.language === "string") {
      document.querySelector("input[name=language]").value = event.data.language;
    }
    var chosen = document.getElementById("chosen-store");
    chosen.textContent = "";
    var name = document.createElement("strong");
    name.textContent = store.name;
    chosen.appendChild(name);
    chosen.appendChild(document.createElement("br"));
    chosen.appendChild(document.createTextNode(store.address));
    dialog.close();
    button.focus();
  });
})();
