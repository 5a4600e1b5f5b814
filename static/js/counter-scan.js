/* Counter scan screens: send each scan with fetch and show the answer at once; without this script the
   form posts and the page shows the answer after a redirect.

   No scan is lost to a reload: each scan is queued in sessionStorage before it is sent and leaves the
   queue only once the server has answered, so a scan in flight when the page goes away is sent again
   when it loads. Re-sending is harmless: the server answers a repeat with "already scanned" and the
   slot. Keys a scanner types while the page is still loading go to the autofocused input of a real
   form, which posts by itself if Enter comes before this script runs. */
(function () {
  "use strict";
  var form = document.querySelector("[data-scan-form]");
  if (!form || !window.fetch || !window.sessionStorage) return;
  var input = form.querySelector(".scan-input");
  var result = document.getElementById("scan-result");
  var recentList = document.getElementById("recent-scans");
  var pendingKey = "counter-pending:" + location.pathname;
  var recentKey = "counter-recent:" + location.pathname;
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var sending = false;

  function load(key) {
    try { return JSON.parse(sessionStorage.getItem(key)) || []; } catch (e) { return []; }
  }
  function save(key, value) { sessionStorage.setItem(key, JSON.stringify(value)); }

  function line(cls, text) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    return p;
  }

  function show(body) {
    result.className = "scan-result tone-" + body.tone;
    result.textContent = "";
    if (body.slot) result.appendChild(line("scan-slot", form.dataset.slotLabel.replace("%(slot)s", body.slot)));
    if (body.big) result.appendChild(line("scan-slot", body.big));
    result.appendChild(line("scan-message", body.message));
    if (body.code) result.appendChild(line("scan-code", body.code));
    if (body.link) {
      var next = document.createElement("a");
      next.className = "button primary";
      next.href = body.link.url;
      next.textContent = body.link.label;
      var p = line("scan-link", "");
      p.appendChild(next);
      result.appendChild(p);
    }
  }

  function renderRecent() {
    var recent = load(recentKey);
    recentList.textContent = "";
    recent.forEach(function (body) {
      var li = document.createElement("li");
      li.className = "tone-" + body.tone;
      li.textContent = (body.code || "") + " – " + body.message;
      recentList.appendChild(li);
    });
    recentList.parentElement.hidden = recent.length === 0;
  }

  function answered(code, body) {
    var pending = load(pendingKey);
    if (pending.length && codeOf(pending[0]) === code) pending.shift();
    save(pendingKey, pending);
    var recent = load(recentKey);
    recent.unshift(body);
    save(recentKey, recent.slice(0, 10));
    show(body);
    renderRecent();
  }

  // Fields marked data-scan-extra (a measured weight, a damaged tick) travel with the scan they were typed for.
  function extras() {
    var values = {};
    form.querySelectorAll("[data-scan-extra]").forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) values[el.name] = el.value; el.checked = false; }
      else { if (el.value) values[el.name] = el.value; el.value = ""; }
    });
    return values;
  }
  function codeOf(item) { return typeof item === "string" ? item : item.code; }

  function pump() {
    var pending = load(pendingKey);
    if (sending || !pending.length) return;
    sending = true;
    var item = pending[0];
    var code = codeOf(item);
    fetch(location.pathname, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf },
      body: new URLSearchParams(Object.assign({ code: code }, item.extra || {})),
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      sending = false;
      if (reply.status === 401) {
        // Signed out: the scan stays queued and is sent after signing in again.
        location.assign(form.dataset.loginUrl || "/accounts/login/?next=" + encodeURIComponent(location.pathname));
        return;
      }
      answered(code, reply.body);
      pump();
    }).catch(function () {
      sending = false;
      show({ tone: "warn", code: code, message: form.dataset.offlineMessage });
      setTimeout(pump, 2000);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.replace(/\s+/g, "");
    input.value = "";
    input.focus();
    if (!code) return;
    var pending = load(pendingKey);
    var extra = extras();
    pending.push(Object.keys(extra).length ? { code: code, extra: extra } : code);
    save(pendingKey, pending);
    pump();
  });

  // The scan field keeps the focus: a click elsewhere or a key typed outside any control comes back to it.
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea", "button", "a"].indexOf(tag) === -1 && !event.ctrlKey && !event.metaKey && !event.altKey) input.focus();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("a, button, input, select, textarea, label")) input.focus();
  });

  input.focus();
  renderRecent();
  pump();
})();
