/* Kaozheng service worker: lessons saved for offline reading, and the theory exam page.
   Only what the learner saved is cached (the lesson page, its images, the site's CSS and
   JS). Pages are fetched from the network first and from the cache only when offline.
   Heartbeats (POST) are never cached or replayed, so time studied offline is not credited. */
"use strict";
var CACHE = "kz-lessons-v1";
/* The exam page (only the attempt being sat) and its CSS/JS: fetched from the network
   first, kept on every successful load, served from here when the phone is offline, marked
   data-offline so the page knows its answers may be newer on this device. */
var EXAM_CACHE = "kz-exam-v1";
var EXAM_PAGE = /^\/exams\/attempts\/\d+\/$/;

function keepExamPage(url, response) {
  if (!response.ok || response.redirected) return Promise.resolve();
  return caches.open(EXAM_CACHE).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return EXAM_PAGE.test(new URL(k.url).pathname) && k.url !== url; })
        .map(function (k) { return cache.delete(k); }));
    }).then(function () { return cache.put(url, response); });
  });
}

function offlineExamPage(request) {
  return caches.open(EXAM_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true, ignoreVary: true });
  }).then(function (hit) {
    if (!hit) return Response.error();
    return hit.text().then(function (html) {
      return new Response(html.replace('<form method="post" id="paper"', '<form data-offline="1" method="post" id="paper"'),
        { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("kz-lessons-") === 0 && k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type === "save-exam" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(EXAM_CACHE).then(function (cache) {
      return Promise.all(data.urls.filter(function (u) {
        return new URL(u, self.location.origin).origin === self.location.origin;
      }).slice(0, 4).map(function (u) {
        return fetch(u, { credentials: "same-origin" }).then(function (r) {
          var path = new URL(u, self.location.origin).pathname;
          if (EXAM_PAGE.test(path)) return keepExamPage(new URL(u, self.location.origin).href, r);
          if (r.ok) return cache.put(u, r);
        });
      }));
    }).then(function () { if (port) port.postMessage({ ok: true }); }, function () { if (port) port.postMessage({ ok: false }); }));
    return;
  }
  if (data.type !== "save-lesson" || !Array.isArray(data.urls)) return;
  var urls = data.urls.filter(function (u) {
    try { return new URL(u, self.location.origin).origin === self.location.origin; } catch (e) { return false; }
  }).slice(0, 60);
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (u) {
        return fetch(u, { credentials: "same-origin" }).then(function (r) {
          if (r.ok) return cache.put(u, r);
          throw new Error(String(r.status));
        });
      }));
    }).then(function () { if (port) port.postMessage({ ok: true, count: urls.length }); },
            function () { if (port) port.postMessage({ ok: false }); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate" && EXAM_PAGE.test(new URL(request.url).pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      var url = response.url || request.url;
      if (!response.redirected && EXAM_PAGE.test(new URL(url).pathname)) {
        event.waitUntil(keepExamPage(request.url, response.clone()));
      }
      return response;
    }, function () { return offlineExamPage(request); }));
    return;
  }
  event.respondWith(
    fetch(request).catch(function () {
      return caches.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true }).then(function (hit) {
        return hit || Response.error();
      });
    })
  );
});
