/* Theory exam and mock exam pages: a countdown driven by the server's clock, and answers
   that are never lost.

   Without this script the pages still work: the form posts every answer on 保存/交卷.
   With it, each answer of a formal exam is saved through the JSON API as it is given.
   Until the server acknowledges it (200 after commit) the answer waits in localStorage,
   so a reload, a dead network or a sleeping phone loses nothing: it is sent again when
   the page comes back, the network returns or on the next retry. The countdown counts
   from the server's remaining seconds with the monotonic clock (a wrong phone clock does
   not matter) and is corrected from the server when the page wakes up and every minute
   (an invigilator may have given extra time).

   The formal exam page also works offline after its first load: the service worker keeps
   it and serves it when a reload finds no network (marked data-offline); this device's
   latest answers are then shown from localStorage. 交卷 without a network is queued and
   posted when the network is back, under a banner that stays in view. */
(function () {
  "use strict";
  var form = document.getElementById("paper");
  var timer = document.getElementById("timer");
  if (!form || !timer) return;

  var mock = form.dataset.mock === "1";
  var attemptId = form.dataset.attempt || ("mock-" + location.pathname);
  var storeKey = "kz-exam-" + attemptId;
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var status = document.querySelector("[data-save-status]");
  var answeredCount = document.querySelector("[data-answered]");
  var inFlight = {};
  var retryTimer = null;
  var banner = document.getElementById("offline-banner");
  var submitKey = "kz-exam-submit-" + attemptId;
  var seenKey = "kz-exam-seen-" + attemptId;

  function say(key) { if (status) status.textContent = form.dataset[key] || ""; }
  function offline(on) { if (banner) banner.hidden = !on; }
  function remember(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full */ }
  }
  function recall(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }

  // --- the queue of answers not yet acknowledged (localStorage, per attempt) ---
  // Each entry is {answer: ["B"], at: <this device's clock when given, ms>}.
  function loadQueue() {
    var stored;
    try { stored = JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
    Object.keys(stored).forEach(function (id) {
      if (Array.isArray(stored[id])) stored[id] = { answer: stored[id], at: 0 };
    });
    return stored;
  }
  function storeQueue(queue) {
    try {
      if (Object.keys(queue).length) window.localStorage.setItem(storeKey, JSON.stringify(queue));
      else window.localStorage.removeItem(storeKey);
    } catch (e) { /* private mode or full: the in-page retry still runs */ }
  }
  var queue = loadQueue();

  function fieldsetOf(id) { return form.querySelector('fieldset[data-question="' + id + '"]'); }

  function answerOf(fieldset) {
    var keys = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) { keys.push(input.value); });
    return keys;
  }

  function markMap(fieldset, answered) {
    var link = document.querySelector('[data-qmap="' + fieldset.dataset.question + '"]');
    if (link) {
      link.classList.toggle("done", answered);
      link.setAttribute("aria-label", link.textContent + (answered ? " ✓" : ""));
    }
    if (answeredCount) answeredCount.textContent = document.querySelectorAll(".qmap a.done").length;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 5000);
  }

  function send(id) {
    if (mock || inFlight[id] || !(id in queue)) return;
    var fieldset = fieldsetOf(id);
    if (!fieldset) { delete queue[id]; storeQueue(queue); return; }
    var entry = queue[id];
    inFlight[id] = true;
    say("msgSaving");
    fetch(fieldset.dataset.saveUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answer: entry.answer })
    }).then(function (response) {
      if (response.status === 409) { storeQueue({}); window.location.reload(); return; }
      if (response.ok) {
        if (same(queue[id], entry)) { delete queue[id]; storeQueue(queue); }
        say("msgSaved");
        if (!recall(submitKey, false)) offline(false);
        return response.json().then(function (body) { setRemaining(body.remaining_seconds); });
      }
      if (response.status === 422 || response.status === 404) {
        if (same(queue[id], entry)) { delete queue[id]; storeQueue(queue); }
        return response.json().then(function (body) {
          if (status) status.textContent = typeof body.detail === "string" ? body.detail : form.dataset.msgFailed;
        });
      }
      say("msgFailed");
      scheduleRetry();
    }).catch(function () {
      say("msgFailed");
      offline(true);
      scheduleRetry();
    }).then(function () {
      inFlight[id] = false;
      if (id in queue && !same(queue[id], entry)) send(id); // changed again while in flight
    });
  }

  function flush() { Object.keys(queue).forEach(send); }

  // Answers this device gave that the server never acknowledged: show them again and send
  // them, unless the server holds a later answer to that question (given on another device
  // meanwhile). Times are compared on the server's clock: this device's offset is taken now.
  var offset = form.dataset.serverNow ? parseInt(form.dataset.serverNow, 10) - Date.now() : 0;
  Object.keys(queue).forEach(function (id) {
    var fieldset = fieldsetOf(id);
    var savedAt = fieldset && parseInt(fieldset.dataset.savedAt || "0", 10);
    if (!fieldset || (savedAt && queue[id].at + offset < savedAt)) { delete queue[id]; return; }
    fieldset.querySelectorAll("input").forEach(function (input) {
      input.checked = queue[id].answer.indexOf(input.value) !== -1;
    });
    markMap(fieldset, queue[id].answer.length > 0);
  });
  storeQueue(queue);
  if (!mock && form.dataset.offline === "1") {
    // Served by the service worker without a network: the page is the copy of its last
    // load, so this device's later answers (sent or not) are put back on it.
    var seen = recall(seenKey, {});
    Object.keys(seen).forEach(function (id) {
      var fieldset = fieldsetOf(id);
      if (!fieldset || id in queue) return;
      fieldset.querySelectorAll("input").forEach(function (input) {
        input.checked = seen[id].answer.indexOf(input.value) !== -1;
      });
      markMap(fieldset, seen[id].answer.length > 0);
    });
    offline(true);
  }
  if (mock) {
    // A mock exam is saved with the form; until then its answers live on the device.
  } else {
    flush();
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (!fieldset) return;
    var id = fieldset.dataset.question;
    queue[id] = { answer: answerOf(fieldset), at: Date.now() };
    storeQueue(queue);
    if (!mock) { var seen = recall(seenKey, {}); seen[id] = queue[id]; remember(seenKey, seen); }
    markMap(fieldset, queue[id].answer.length > 0);
    send(id);
  });

  // 交卷: posted in the background so that a dead network keeps the candidate on the paper
  // with the banner, and the submission goes when the network is back.
  var submitting = false;
  function submitNow() {
    if (submitting) return;
    submitting = true;
    say("msgSubmitting");
    var data = new FormData(form);
    data.set("action", "submit");
    fetch(window.location.pathname, { method: "POST", credentials: "same-origin", body: data }).then(function (response) {
      submitting = false;
      if (!response.ok) throw new Error(String(response.status));
      storeQueue({}); remember(submitKey, null); remember(seenKey, null);
      window.location.replace(response.url);
    }).catch(function () {
      submitting = false;
      offline(true);
      say("msgFailed");
      setTimeout(function () { if (recall(submitKey, false)) submitNow(); }, 5000);
    });
  }

  form.addEventListener("submit", function (event) {
    // The form carries every answer; once it is posted the device copy is no longer needed.
    if (mock) { storeQueue({}); return; }
    var submitter = event.submitter;
    if (!submitter || submitter.value !== "submit" || !window.fetch || !window.FormData) return;
    event.preventDefault();
    remember(submitKey, true);
    submitNow();
  });
  window.addEventListener("online", function () { flush(); if (recall(submitKey, false)) submitNow(); });
  window.addEventListener("offline", function () { offline(true); });
  if (!mock) {
    // Autosave runs: the no-JavaScript 保存答案 button is not needed.
    form.querySelectorAll("[data-no-js-save]").forEach(function (button) { button.hidden = true; });
    if (recall(submitKey, false)) { offline(true); submitNow(); }
    if (navigator.onLine === false) offline(true);
    if ("serviceWorker" in navigator && form.dataset.sw && window.MessageChannel) {
      navigator.serviceWorker.register(form.dataset.sw, { scope: "/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        if (!registration.active || form.dataset.offline === "1") return;
        registration.active.postMessage(
          { type: "save-exam", urls: [window.location.pathname, form.dataset.css, form.dataset.js] }, [new MessageChannel().port2]
        );
      }).catch(function () { /* the page still works online */ });
    }
  }

  form.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var total = form.querySelectorAll("fieldset[data-question]").length;
      var open = total - document.querySelectorAll(".qmap a.done").length;
      var message = open > 0 && button.dataset.confirmUnanswered
        ? button.dataset.confirmUnanswered.replace("N", String(open))
        : button.dataset.confirm;
      if (!window.confirm(message)) event.preventDefault();
    });
  });

  // --- the countdown: server seconds + the monotonic clock ---
  var remainingEl = timer.querySelector("[data-remaining]");
  var clock = window.performance && performance.now ? function () { return performance.now(); } : Date.now;
  var endsAt = clock() + parseInt(timer.dataset.remainingSeconds, 10) * 1000;
  var finished = false;
  var warned = false;

  function setRemaining(seconds) {
    if (typeof seconds === "number" && seconds >= 0) endsAt = clock() + seconds * 1000;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function timeUp() {
    finished = true;
    if (status) status.textContent = form.dataset.msgTimeup;
    else if (remainingEl) remainingEl.textContent = form.dataset.msgTimeup;
    if (mock) {
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "submit";
      form.appendChild(action);
      storeQueue({});
      form.submit();
      return;
    }
    // The server submits the attempt on the next request after the deadline.
    setTimeout(function () { window.location.reload(); }, 1500);
  }

  function tick() {
    if (finished) return;
    var left = Math.max(0, Math.round((endsAt - clock()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    remainingEl.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    timer.classList.toggle("low", left <= 300);
    if (left <= 300 && left > 0 && !warned) {
      warned = true; // announced once to screen readers through the status line
      if (status && form.dataset.msgFive) status.textContent = form.dataset.msgFive;
    }
    if (left === 0) timeUp();
  }

  // Ask the server how much time is left (after sleep, and every minute: extra time may be given).
  function resync() {
    if (mock || !form.dataset.timeUrl) return;
    fetch(form.dataset.timeUrl, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) return;
      return response.json().then(function (body) {
        if (body.submitted) { storeQueue({}); window.location.reload(); return; }
        setRemaining(body.remaining_seconds);
        if (finished && body.remaining_seconds > 0) { finished = false; }
      });
    }).catch(function () { /* offline: keep counting locally */ });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { resync(); flush(); }
  });
  setInterval(resync, 60000);
  setInterval(tick, 1000);
  tick();
})();
