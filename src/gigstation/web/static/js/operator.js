/* Operator pages: count offer deadlines down, and refresh the board when something happens.
   The board also polls every 5 s (htmx), so a lost event stream only slows it a little. */
(function () {
  "use strict";
  var started = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var gone = Math.floor((Date.now() - started) / 1000);
    document.querySelectorAll("[data-seconds]").forEach(function (el) {
      var left = Math.max(0, parseInt(el.getAttribute("data-seconds"), 10) - gone);
      el.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    });
  }
  // Irreversible or sensitive taps ask first (the form still works without a script).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  document.addEventListener("htmx:afterSwap", function () { started = Date.now(); tick(); });
  setInterval(tick, 1000);

  var live = document.getElementById("live");
  if (live && window.EventSource && window.htmx) {
    var source = new EventSource("/api/v1/events");
    ["board.dispatched", "offer.accepted", "offer.declined", "offer.expired", "offer.withdrawn",
     "order.filling"].forEach(function (kind) {
      source.addEventListener(kind, function () { window.htmx.trigger(live, "refresh"); });
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
