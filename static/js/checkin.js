// Check-in: scan the admission ticket's QR code with the browser's BarcodeDetector where
// it exists; the code can always be typed in instead.
(function () {
  "use strict";
  var button = document.querySelector("[data-scan]");
  var box = document.querySelector(".scanner");
  var input = document.getElementById("ticket-code");
  if (!button || !box || !input || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  var video = box.querySelector("video");
  var stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    box.hidden = true;
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
        if (codes.length) {
          input.value = codes[0].rawValue;
          stop();
          input.form.submit();
        } else {
          requestAnimationFrame(scan);
        }
      }).catch(function () { requestAnimationFrame(scan); });
    }).catch(function () { stop(); input.focus(); });
  });
})();
