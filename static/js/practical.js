// The score sheet: save each tap as it is made, show the running total, never lose a mark.
// Each item is a small form that also works without this script (its 保存 button).
(function () {
  "use strict";
  var state = document.querySelector("[data-save-state]");
  var pending = new Map(); // form -> true while a save is outstanding or failed
  var timers = new WeakMap();

  function show(text) { if (state) state.textContent = text; }

  function update(data) {
    var total = document.querySelector("[data-total]");
    if (total) total.textContent = data.running_total;
    Object.keys(data.subjects || {}).forEach(function (code) {
      var cell = document.querySelector('[data-subject-score="' + code + '"]');
      if (cell && data.subjects[code] !== null) cell.textContent = data.subjects[code];
    });
    var flag = document.querySelector("[data-veto-flag]");
    if (flag) flag.hidden = !data.vetoes;
  }

  function save(form, attempt) {
    pending.set(form, true);
    show("保存中…");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      if (!reply.ok) {
        pending.delete(form);
        show("");
        alert(reply.data.detail || "保存失败。");
        return;
      }
      pending.delete(form);
      update(reply.data);
      form.classList.add("saved");
      show(pending.size ? "保存中…" : "已保存");
    }).catch(function () {
      // Offline or dropped: keep the mark on the page and try again until it is saved.
      show("网络中断，稍后自动重试…");
      setTimeout(function () { save(form, (attempt || 0) + 1); }, Math.min(30000, 2000 * ((attempt || 0) + 1)));
    });
  }

  function schedule(form, delay) {
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { save(form, 0); }, delay));
  }

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var button = form.querySelector(".save");
    if (button && !form.querySelector('input[name="score"]')) button.hidden = true;
    form.addEventListener("change", function (event) {
      if (event.target.name === "veto" && event.target.checked) {
        var reason = form.querySelector('input[name="veto_reason"]');
        if (reason && !reason.value.trim()) { reason.focus(); return; }
      }
      schedule(form, event.target.type === "checkbox" ? 0 : 300);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(form, 0); });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (pending.size) { event.preventDefault(); alert("还有评分未保存，请稍候。"); return; }
      if (!confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size) { event.preventDefault(); event.returnValue = ""; }
  });
})();
