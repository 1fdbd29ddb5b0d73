/* Lesson heartbeat: the server counts study time between heartbeats; this only says
   "still here" while the page is visible and the learner was recently active, and
   remembers where they were so the next visit resumes there. */
(function () {
  "use strict";
  var box = document.getElementById("study");
  if (!box || !box.dataset.heartbeatUrl) return;

  var INTERVAL = Number(box.dataset.interval) || 30000;
  var ACTIVE_WINDOW = Math.max(60000, INTERVAL * 2);
  var nonce = null; // handed out by each reply; a replayed or second-tab heartbeat is refused
  var stopped = false;
  var url = box.dataset.heartbeatUrl;
  var csrf = box.dataset.csrf;
  var creditedEl = box.querySelector("[data-credited]");
  var doneEl = box.querySelector("[data-completed]");
  var video = document.querySelector(".lesson-body video");
  var lastActive = Date.now();
  var saved = {};
  try {
    saved = JSON.parse(document.getElementById("lesson-position").textContent) || {};
  } catch (e) {
    saved = {};
  }

  function scrollable() {
    return document.documentElement.scrollHeight - window.innerHeight;
  }

  function position() {
    var p = {};
    var h = scrollable();
    p.scroll = h > 0 ? Math.round((window.scrollY / h) * 1000) / 1000 : 0;
    if (video && video.currentTime) p.video = Math.round(video.currentTime * 10) / 10;
    return p;
  }

  function playing() {
    return !!video && !video.paused && !video.ended;
  }

  function active() {
    return document.visibilityState === "visible" && (playing() || Date.now() - lastActive < ACTIVE_WINDOW);
  }

  function show(data) {
    if (!data) return;
    if (creditedEl && typeof data.credited === "string") creditedEl.textContent = data.credited;
    if (doneEl && data.completed) doneEl.hidden = false;
  }

  function stop(message) {
    stopped = true;
    var note = box.querySelector("[data-paused]");
    if (note && message) { note.textContent = message; note.hidden = false; }
  }

  function beat() {
    if (stopped) return;
    var body = { position: position() };
    if (nonce) body.nonce = nonce;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    })
      .then(function (r) {
        if (r.ok) return r.json();
        if (r.status === 409 || r.status === 403) {
          return r.json().then(function (d) { stop(d && d.detail); return null; });
        }
        nonce = null; // anything else: start the clock again with the next heartbeat
        return null;
      })
      .then(function (data) { if (data) { nonce = data.nonce; show(data); } })
      .catch(function () { nonce = null; /* offline: nothing is credited; the next heartbeat restarts the clock */ });
  }

  function touch() { lastActive = Date.now(); }
  ["scroll", "touchstart", "pointerdown", "keydown", "wheel"].forEach(function (name) {
    window.addEventListener(name, touch, { passive: true });
  });
  if (video) video.addEventListener("play", touch);

  // No heartbeat while hidden: after a longer absence the server credits nothing for
  // the gap and only restarts the clock, so time away is never counted.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") touch();
  });

  window.addEventListener("load", function () {
    if (typeof saved.scroll === "number" && saved.scroll > 0) {
      window.scrollTo(0, saved.scroll * scrollable());
    }
    if (video && typeof saved.video === "number" && saved.video > 0) {
      var seek = function () { video.currentTime = Math.min(saved.video, video.duration || saved.video); };
      if (video.readyState >= 1) seek();
      else video.addEventListener("loadedmetadata", seek, { once: true });
    }
    beat(); // starts the clock
  });

  setInterval(function () { if (active()) beat(); }, INTERVAL);
})();

/* Offline reading: save this lesson (page, images, CSS, JS) in the service worker's cache.
   Offline, no heartbeat reaches the server, so nothing is credited. */
(function () {
  "use strict";
  var button = document.querySelector("[data-save-offline]");
  var status = document.querySelector("[data-offline-status]");
  if (!button) return;
  if (!("serviceWorker" in navigator) || !window.MessageChannel) { button.parentNode.hidden = true; return; }

  function say(text) { status.textContent = text; status.hidden = false; }
  function offlineNote() {
    if (!navigator.onLine) say(button.dataset.offlineText);
  }
  window.addEventListener("offline", offlineNote);
  offlineNote();

  function lessonUrls() {
    var urls = [location.pathname];
    document.querySelectorAll(".lesson-body img").forEach(function (img) {
      if (img.currentSrc || img.src) urls.push(img.currentSrc || img.src);
    });
    document.querySelectorAll("link[rel=stylesheet], script[src]").forEach(function (el) {
      urls.push(el.href || el.src);
    });
    return urls;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.serviceWorker.register(button.dataset.sw, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          channel.port1.onmessage = function (e) { resolve(e.data); };
          registration.active.postMessage({ type: "save-lesson", urls: lessonUrls() }, [channel.port2]);
        });
      })
      .then(function (result) {
        say(result && result.ok ? button.dataset.savedText : button.dataset.failedText);
        button.disabled = false;
      })
      .catch(function () { say(button.dataset.failedText); button.disabled = false; });
  });
})();
