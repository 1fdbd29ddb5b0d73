/* Theory exam page: a countdown to the server's deadline and autosave of each answer.
   Without this script the page still works: the form posts every answer on 保存/交卷. */
(function () {
  "use strict";
  var form = document.getElementById("paper");
  var timer = document.getElementById("timer");
  if (!form || !timer) return;

  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var status = document.querySelector("[data-save-status]");
  var answeredCount = document.querySelector("[data-answered]");
  var queued = {}; // question id -> fieldset changed again while its save was in flight
  var failed = {}; // question id -> fieldset whose last save failed; retried on a timer
  var inFlight = {};

  function say(key) { if (status) status.textContent = form.dataset[key] || ""; }

  function answerOf(fieldset) {
    var keys = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) { keys.push(input.value); });
    return keys;
  }

  function markMap(fieldset, answered) {
    var link = document.querySelector('[data-qmap="' + fieldset.dataset.question + '"]');
    if (link) link.classList.toggle("done", answered);
    if (answeredCount) answeredCount.textContent = document.querySelectorAll(".qmap a.done").length;
  }

  function send(fieldset) {
    var id = fieldset.dataset.question;
    delete failed[id];
    if (inFlight[id]) { queued[id] = fieldset; return; }
    inFlight[id] = true;
    say("msgSaving");
    fetch(fieldset.dataset.saveUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answer: answerOf(fieldset) })
    }).then(function (response) {
      if (response.status === 409) { window.location.reload(); return; }
      if (response.ok) { say("msgSaved"); return; }
      if (response.status === 422) {
        return response.json().then(function (body) { if (status) status.textContent = body.detail; });
      }
      failed[id] = fieldset;
      say("msgFailed");
    }).catch(function () {
      failed[id] = fieldset;
      say("msgFailed");
    }).then(function () {
      inFlight[id] = false;
      var next = queued[id];
      delete queued[id];
      if (next) send(next);
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (!fieldset) return;
    markMap(fieldset, answerOf(fieldset).length > 0);
    send(fieldset);
  });

  // Answers that failed to save are retried every few seconds until the network is back.
  setInterval(function () {
    Object.keys(failed).forEach(function (id) { if (!inFlight[id]) send(failed[id]); });
  }, 5000);

  form.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });

  // Count down from the server's remaining time, so a wrong phone clock does not matter.
  var remaining = timer.querySelector("[data-remaining]");
  var endsAt = Date.now() + parseInt(timer.dataset.remainingSeconds, 10) * 1000;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    remaining.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    if (left === 0) {
      clearInterval(interval);
      if (status) status.textContent = form.dataset.msgTimeup;
      // The server submits the attempt on the next request after the deadline.
      setTimeout(function () { window.location.reload(); }, 1500);
    }
  }
  var interval = setInterval(tick, 1000);
  tick();
})();
