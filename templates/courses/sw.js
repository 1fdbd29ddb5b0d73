/* Kaozheng service worker: lessons saved for offline reading.
   Only what the learner saved is cached (the lesson page, its images, the site's CSS and
   JS). Pages are fetched from the network first and from the cache only when offline.
   Heartbeats (POST) are never cached or replayed, so time studied offline is not credited. */
"use strict";
var CACHE = "kz-lessons-v1";

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
  event.respondWith(
    fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true }).then(function (hit) {
          return hit || Response.error();
        });
      });
    })
  );
});
