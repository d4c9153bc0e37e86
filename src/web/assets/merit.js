// merit: progressive enhancement only; every page works without this file.
"use strict";
document.addEventListener("submit", function (event) {
  // Destructive actions ask first: <form data-confirm="Are you sure?">.
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The invigilation board refreshes itself every few seconds: the rows' figures
// are replaced from a fresh copy of the page, new candidates' rows appended,
// rows the filter no longer shows removed, and the extra-time forms left
// alone so nothing being typed is lost (a row being typed in stays).
(function () {
  var board = document.getElementById("board");
  if (!board) return;
  function refresh() {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var counts = fresh.getElementById("board-counts");
        if (counts) document.getElementById("board-counts").innerHTML = counts.innerHTML;
        var tbody = board.querySelector("tbody");
        var shown = {};
        fresh.querySelectorAll("#board tbody tr").forEach(function (row) {
          shown[row.dataset.attempt] = true;
        });
        tbody.querySelectorAll("tr").forEach(function (row) {
          if (shown[row.dataset.attempt]) return;
          var typing = Array.prototype.some.call(row.querySelectorAll("input:not([type=hidden])"), function (i) {
            return i.value !== "" || i === document.activeElement;
          });
          if (!typing) row.remove();
        });
        fresh.querySelectorAll("#board tbody tr").forEach(function (row) {
          var mine = tbody.querySelector('tr[data-attempt="' + row.dataset.attempt + '"]');
          if (!mine) { tbody.appendChild(document.importNode(row, true)); return; }
          row.querySelectorAll("td[data-live]").forEach(function (cell) {
            var old = mine.querySelector('td[data-live="' + cell.dataset.live + '"]');
            if (old) old.innerHTML = cell.innerHTML;
          });
        });
        board.dataset.refreshed = new Date().toISOString();
      })
      .catch(function () { /* try again next time */ })
      .finally(function () { setTimeout(refresh, 5000); });
  }
  setTimeout(refresh, 5000);
})();

// A blueprint row offers only the topics of the bank chosen in it; the other
// banks' topics are hidden and disabled, so they are neither shown nor sent.
document.querySelectorAll("select[data-bank-select]").forEach(function (topics) {
  var bank = document.getElementById(topics.getAttribute("data-bank-select"));
  if (!bank) return;
  function show() {
    topics.querySelectorAll("optgroup[data-bank]").forEach(function (group) {
      var mine = group.getAttribute("data-bank") === bank.value;
      group.hidden = !mine;
      group.disabled = !mine;
    });
  }
  bank.addEventListener("change", show);
  show();
});
