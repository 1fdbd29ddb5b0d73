/* Practice: one tap answers a single-choice or true/false question (choosing submits it),
   so a question takes two taps: choose, then 下一题. Without JavaScript 提交答案 does it. */
(function () {
  "use strict";
  var form = document.getElementById("practice");
  if (!form) return;
  var button = form.querySelector("[data-auto]");
  if (!button) return;
  button.hidden = true;
  form.addEventListener("change", function () {
    button.disabled = true;
    form.submit();
  });
})();
