// merit question banks: the editor's live preview, and "select all" in lists.
// Progressive enhancement only: without it, the "Preview" button does the same
// and questions are ticked one by one.
"use strict";
(function () {
  var all = document.querySelectorAll("input[data-select-all]");
  Array.prototype.forEach.call(all, function (box) {
    box.hidden = false;
    box.addEventListener("change", function () {
      var boxes = box.form ? box.form.querySelectorAll("input[name=ids]") : [];
      Array.prototype.forEach.call(boxes, function (b) { b.checked = box.checked; });
    });
  });
})();
(function () {
  var form = document.getElementById("question-editor");
  var target = document.getElementById("preview");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-preview");
  var timer = null;
  var sent = 0;
  function refresh() {
    var mine = ++sent;
    var body = new URLSearchParams(new FormData(form));
    var csrf = form.querySelector("input[name=csrf]");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf ? csrf.value : "" },
      body: body
    }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        // The server sanitises question text before it is rendered here.
        if (html !== null && mine === sent) { target.innerHTML = html; }
      })
      .catch(function () { /* the Preview button still works */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  // A new kind has other answer fields: let the server redraw the form.
  var kind = form.querySelector("[data-refresh]");
  var button = document.getElementById("preview-button");
  if (kind && button) {
    kind.addEventListener("change", function () { button.click(); });
  }
})();
