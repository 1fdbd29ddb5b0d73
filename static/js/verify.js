// /verify/: scan a certificate's QR code in the page with the browser's BarcodeDetector
// where it exists (as the examiner's check-in does); the number and name can always be typed.
(function () {
  "use strict";
  var button = document.querySelector("[data-scan]");
  var box = document.querySelector(".scanner");
  if (!button || !box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  var video = box.querySelector("video");
  var stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    box.hidden = true;
  }

  function open(text) {
    // Only this site's own verification links are followed.
    try {
      var url = new URL(text, window.location.href);
      if (url.origin === window.location.origin && /^\/v\/[^/]+$/.test(url.pathname)) {
        window.location.assign(url.pathname);
        return true;
      }
    } catch (e) { /* not a URL */ }
    return false;
  }

  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
      stream = media;
      video.srcObject = media;
      box.hidden = false;
      return video.play();
    }).then(function scan() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length && open(codes[0].rawValue)) { stop(); return; }
        requestAnimationFrame(scan);
      }).catch(function () { requestAnimationFrame(scan); });
    }).catch(function () { stop(); });
  });
})();
