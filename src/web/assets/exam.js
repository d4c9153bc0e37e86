// The exam page, improved: autosave on every change with a per-item sequence
// number, an honest "saved" / "not saved, retrying" status, a countdown from
// the server's remaining seconds (re-synced on every save), a live palette,
// and submission when the countdown reaches zero. Without this file the page
// still works through plain form posts.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  var form = document.getElementById("exam-item");
  if (!root || !form) return;
  var attempt = root.dataset.attempt, item = root.dataset.item, kind = root.dataset.kind;
  var csrf = root.dataset.csrf;
  var seqInput = document.getElementById("seq");
  var status = document.getElementById("save-status");
  var countdown = document.getElementById("countdown");
  var seq = parseInt(seqInput.value, 10) - 1;
  var remaining = parseInt(root.dataset.remaining, 10);
  var syncedAt = Date.now();
  var pending = null, inFlight = false, retryMs = 500;

  function say(text) { status.textContent = text; }

  function response() {
    var fd = new FormData(form);
    switch (kind) {
      case "single_choice":
        return fd.get("choice") === null ? null : { kind: "choice", index: +fd.get("choice") };
      case "multiple_response":
        var all = fd.getAll("choices").map(Number);
        return all.length ? { kind: "choices", indices: all } : null;
      case "true_false":
        return fd.get("bool") === null ? null : { kind: "boolean", value: fd.get("bool") === "true" };
      case "numeric":
        var t = (fd.get("text") || "").trim().replace(",", ".");
        return t === "" || isNaN(+t) ? null : { kind: "number", value: +t };
      case "short_answer":
        return (fd.get("text") || "").trim() ? { kind: "text", text: fd.get("text") } : null;
      case "essay":
        return (fd.get("text") || "").trim() ? { kind: "essay", text: fd.get("text") } : null;
      case "ordering":
        return ordering(fd);
      case "matching":
        return matching(fd);
      default:
        return undefined; // saved by the form post
    }
  }

  // As the form post reads them: every displayed item needs a rank (a tie
  // keeps page order); until then the item counts as unanswered.
  function ordering(fd) {
    var ranked = [];
    for (var i = 0; fd.has("rank_" + i); i++) {
      var r = (fd.get("rank_" + i) || "").trim();
      if (r === "" || isNaN(+r)) return null;
      ranked.push([+r, i]);
    }
    ranked.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return ranked.length ? { kind: "ordering", order: ranked.map(function (p) { return p[1]; }) } : null;
  }

  function matching(fd) {
    var answers = [], any = false;
    for (var i = 0; fd.has("match_" + i); i++) {
      var a = fd.get("match_" + i);
      answers.push(a === "" ? null : +a);
      any = any || a !== "";
    }
    return any ? { kind: "matching", answers: answers } : null;
  }

  function send() {
    if (inFlight || !pending) return;
    var body = pending;
    inFlight = true;
    say(root.dataset.saving);
    fetch("/api/attempts/" + attempt + "/answers/" + item, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, code: r.status, j: j }; });
    }).then(function (res) {
      inFlight = false;
      if (res.ok) {
        if (pending === body) pending = null;
        retryMs = 500;
        remaining = res.j.remaining_seconds; syncedAt = Date.now();
        if (res.j.status === "stale") { seq = Math.max(seq, res.j.seq); }
        // In the page's language, not the browser's: "Đã lưu 09:05:12", not "9:05:12 AM".
        say(root.dataset.saved + " " + new Date().toLocaleTimeString(document.documentElement.lang || undefined));
        markPalette();
        send();
      } else if (res.code >= 400 && res.code < 500) {
        pending = null;
        var msg = res.j && res.j.errors ? res.j.errors.map(function (e) { return e.detail; }).join(" ") : "";
        say(root.dataset.refused + " " + msg);
        if (res.code === 409) location.href = "/attempts/" + attempt + "/done";
      } else { retry(); }
    }).catch(function () { inFlight = false; retry(); });
  }

  function retry() {
    say(root.dataset.retrying);
    setTimeout(send, retryMs);
    retryMs = Math.min(retryMs * 2, 8000);
  }

  function changed() {
    var r = response();
    if (r === undefined) return;
    seq += 1;
    seqInput.value = seq + 1;
    pending = { seq: seq, response: r };
    send();
  }

  function markPalette() {
    var cell = document.querySelector('.palette [data-n="' + item + '"]');
    if (cell) cell.classList.toggle("answered", response() !== null);
  }

  form.addEventListener("change", function (e) {
    if (e.target.id === "flagged") {
      fetch("/api/attempts/" + attempt + "/flags/" + item, {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ flagged: e.target.checked })
      });
      var cell = document.querySelector('.palette [data-n="' + item + '"]');
      if (cell) cell.classList.toggle("flagged", e.target.checked);
      return;
    }
    changed();
  });
  var typing = null;
  form.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA" && e.target.type !== "text" && e.target.id !== "answer-text") return;
    clearTimeout(typing);
    typing = setTimeout(changed, 800);
  });
  // Navigating away with a save in flight: the form post carries the answer
  // and a newer sequence number, so nothing is lost either way.

  function tick() {
    var left = Math.max(0, remaining - Math.floor((Date.now() - syncedAt) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    countdown.hidden = false;
    countdown.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) {
      clearInterval(timer);
      fetch("/api/attempts/" + attempt + "/submit", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ reason: "deadline" })
      }).finally(function () { location.href = "/attempts/" + attempt + "/done"; });
    }
  }
  var timer = setInterval(tick, 1000);
  tick();
})();
