// The score sheet: save each tap as it is made, show the running total, never lose a mark.
// Each item is a small form that also works without this script (its 保存 button).
// A tap the server has not acknowledged is kept in localStorage and sent again, also
// after the page is reloaded, so a dropped 4G connection or a closed tab loses nothing.
(function () {
  "use strict";
  var state = document.querySelector("[data-save-state]");
  // Messages come translated from the page (data-saving, data-saved, …).
  function say(key) { return (state && state.dataset[key]) || ""; }
  var pending = new Map(); // form -> true while a save is outstanding or failed
  var timers = new WeakMap();
  var STORE = "kz-unsaved:" + location.pathname;

  function show(text) { if (state) state.textContent = text; }

  function keyOf(form) {
    var subject = form.querySelector('input[name="subject"]');
    var item = form.querySelector('input[name="item"]');
    return (subject ? subject.value : "") + "/" + (item ? item.value : "");
  }

  function stored() {
    try { return JSON.parse(localStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
  }

  function remember(form) {
    var all = stored();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, value]);
    });
    all[keyOf(form)] = fields;
    try { localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* storage full or off */ }
  }

  function forget(form) {
    var all = stored();
    delete all[keyOf(form)];
    try { localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* ignore */ }
  }

  function restore(form, fields) {
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = fields.some(function (f) { return f[0] === box.name && (box.value === "on" || f[1] === box.value); });
    });
    fields.forEach(function (f) {
      var input = form.querySelector('input[name="' + f[0] + '"]:not([type=checkbox]):not([type=hidden])');
      if (input) input.value = f[1];
    });
  }

  function update(data) {
    var total = document.querySelector("[data-total]");
    if (total) {
      // With a veto the headline is the outcome, not a number that looks like a pass.
      total.dataset.number = data.running_total;
      total.textContent = data.vetoes ? total.dataset.vetoText : data.running_total;
      total.classList.toggle("vetoed", !!data.vetoes);
    }
    Object.keys(data.subjects || {}).forEach(function (code) {
      var cell = document.querySelector('[data-subject-score="' + code + '"]');
      if (cell && data.subjects[code] !== null) cell.textContent = data.subjects[code];
    });
    var flag = document.querySelector("[data-veto-flag]");
    if (flag) flag.hidden = !data.vetoes;
  }

  function save(form, attempt) {
    pending.set(form, true);
    remember(form);
    show(say("saving"));
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      pending.delete(form);
      forget(form);
      if (!reply.ok) {
        show("");
        alert(reply.data.detail || say("failed"));
        return;
      }
      update(reply.data);
      show(pending.size ? say("saving") : say("saved"));
    }).catch(function () {
      // Offline or dropped: the mark stays on the page and in storage; try again.
      show(say("offline"));
      setTimeout(function () { save(form, (attempt || 0) + 1); }, Math.min(30000, 2000 * ((attempt || 0) + 1)));
    });
  }

  // The item's own score, at once on the tap (the server's total follows with the save).
  function itemScore(form) {
    var cell = form.querySelector("[data-item-score]");
    if (!cell) return;
    var taken = 0;
    form.querySelectorAll('input[name="deduction"]:checked').forEach(function (box) {
      taken += parseFloat(box.dataset.points) || 0;
    });
    cell.textContent = Math.max(0, parseFloat(cell.dataset.points) - taken);
  }

  function schedule(form, delay) {
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { save(form, 0); }, delay));
  }

  var unsaved = stored();
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var button = form.querySelector(".save");
    if (button && !form.querySelector('input[name="score"]')) button.hidden = true;
    form.addEventListener("change", function (event) {
      var vetoBox = form.querySelector('input[name="veto"]');
      var reason = form.querySelector('input[name="veto_reason"]');
      var error = form.querySelector("[data-veto-error]");
      if (vetoBox && vetoBox.checked && reason && !reason.value.trim()) {
        // Not saved and not reported as saved: the reason is asked for at the box.
        if (error) error.hidden = false;
        reason.setAttribute("aria-invalid", "true");
        show(say("notSaved"));
        reason.focus();
        return;
      }
      if (error) error.hidden = true;
      if (reason) reason.removeAttribute("aria-invalid");
      itemScore(form);
      schedule(form, event.target.type === "checkbox" ? 0 : 300);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var vetoBox = form.querySelector('input[name="veto"]');
      var reason = form.querySelector('input[name="veto_reason"]');
      if (vetoBox && vetoBox.checked && reason && !reason.value.trim()) {
        form.dispatchEvent(new Event("change"));
        return;
      }
      save(form, 0);
    });
    if (unsaved[keyOf(form)]) {
      restore(form, unsaved[keyOf(form)]);
      itemScore(form);
      save(form, 0);
    }
  });

  // Evidence photos go up without reloading the long sheet; the thumbnail joins the others.
  document.querySelectorAll("form.evidence").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files.length || !window.fetch) return;
      event.preventDefault();
      var file = input.files[0];
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var strip = form.parentNode.querySelector(".photos");
        if (!strip) { strip = document.createElement("p"); strip.className = "photos"; form.parentNode.appendChild(strip); }
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file); img.width = 96; img.height = 72; img.alt = file.name;
        strip.appendChild(img);
        input.value = "";
        show(say("photoSaved"));
      }).catch(function () { form.submit(); });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (pending.size) { event.preventDefault(); alert(say("unsaved")); return; }
      if (!confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size) { event.preventDefault(); event.returnValue = ""; }
  });
})();
