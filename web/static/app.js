// labgrid: the little the pages need besides htmx and its SSE extension.
// Loaded with defer from /static (no inline script: strict CSP).
(function () {
  "use strict";

  // The live indicator: the element with sse-connect gets data-live="open"
  // while its stream is connected, "retry" while it reconnects.
  function live(state) {
    return function (e) {
      if (e.target && e.target.setAttribute) e.target.setAttribute("data-live", state);
    };
  }
  document.addEventListener("htmx:sseOpen", live("open"));
  document.addEventListener("htmx:sseError", live("retry"));

  // "Check now": a button rendered disabled with data-wait="N" counts the
  // seconds down in its .count and enables itself at zero.
  function countdowns(root) {
    var buttons = (root && root.querySelectorAll ? root : document).querySelectorAll("button[data-wait]");
    Array.prototype.forEach.call(buttons, function (btn) {
      if (btn.labgridTimer) return;
      var left = parseInt(btn.getAttribute("data-wait"), 10) || 0;
      var count = btn.querySelector(".count");
      btn.labgridTimer = setInterval(function () {
        left -= 1;
        if (left > 0) {
          if (count) count.textContent = String(left);
          return;
        }
        clearInterval(btn.labgridTimer);
        btn.removeAttribute("data-wait");
        btn.disabled = false;
        var ready = btn.querySelector(".ready");
        var waiting = btn.querySelector(".waiting");
        if (ready) ready.hidden = false;
        if (waiting) waiting.hidden = true;
      }, 1000);
    });
  }
  document.addEventListener("htmx:load", function (e) { countdowns(e.target); });
  document.addEventListener("DOMContentLoaded", function () { countdowns(document); });

  // "/" anywhere but in a field goes to the grid's search box, as on many
  // sites: the quick way to one student among a thousand.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
    var box = document.querySelector('.filter input[type="search"]');
    if (!box) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  // A link to a check (user01#<check id>) may point into a lab's closed
  // checklist: open the <details> around its target.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (; el; el = el.parentElement) {
      if (el.tagName === "DETAILS" && !el.open) el.open = true;
    }
    if (id && document.getElementById(id)) document.getElementById(id).scrollIntoView();
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);

  // Relative times ("3 分前") age between two live updates: refresh them.
  // The server says "just now" for the first seconds; leave that alone.
  var rtf = null;
  try {
    rtf = new Intl.RelativeTimeFormat(document.documentElement.lang || "ja", { numeric: "always", style: "short" });
  } catch (err) {
    rtf = null;
  }
  function ago(seconds) {
    if (seconds < 60) return rtf.format(-seconds, "second");
    if (seconds < 3600) return rtf.format(-Math.floor(seconds / 60), "minute");
    if (seconds < 48 * 3600) return rtf.format(-Math.floor(seconds / 3600), "hour");
    return rtf.format(-Math.floor(seconds / 86400), "day");
  }
  function refreshTimes() {
    if (!rtf) return;
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("time.ago[datetime]"), function (el) {
      var t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t)) return;
      var seconds = Math.round((now - t) / 1000);
      if (seconds < 10) return;
      var text = ago(seconds);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  setInterval(refreshTimes, 15000);

  // Waits (a raised hand's "3 分待ち") grow between two live updates: count
  // them up in the page's units, the body's data-units (seconds, minutes,
  // hours, days, as the server writes them), inside the element's
  // data-format, if any.
  function refreshWaits() {
    var units = (document.body.getAttribute("data-units") || "").split("|");
    if (units.length !== 4) return;
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("time.since[datetime]"), function (el) {
      var t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t)) return;
      var s = Math.max(0, Math.floor((now - t) / 1000)), text;
      if (s < 60) text = units[0].replace("%d", s);
      else if (s < 3600) text = units[1].replace("%d", Math.floor(s / 60));
      else if (s < 48 * 3600) text = units[2].replace("%d", Math.floor(s / 3600));
      else text = units[3].replace("%d", Math.floor(s / 86400));
      text = (el.getAttribute("data-format") || "%s").replace("%s", text);
      if (el.textContent !== text) el.textContent = text;
    });
  }
  setInterval(refreshWaits, 15000);
})();
