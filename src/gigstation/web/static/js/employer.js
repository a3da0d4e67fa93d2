/* Employer pages. The order form names the local minimum wage and refuses pay whose hourly
   figure (a day rate over the hours, a piece rate times the pieces an hour) is below it
   before submitting (the server refuses it too: that is the real rule). The order page
   refreshes "who is coming" when the event stream says the order changed. */
(function () {
  "use strict";
  var form = document.getElementById("order-form");
  if (form) {
    var station = document.getElementById("f-station");
    var figure = document.getElementById("min-wage-figure");
    var minutes = function (text) {
      var p = (text || "").split(":");
      return p.length === 2 ? parseInt(p[0], 10) * 60 + parseInt(p[1], 10) : NaN;
    };
    var chosen = function () { return station && station.options[station.selectedIndex]; };
    var showFigure = function () {
      var opt = chosen();
      if (!opt || !figure) { return; }
      var fen = parseInt(opt.getAttribute("data-min-fen"), 10) || 0;
      figure.textContent = opt.getAttribute("data-region") + " ¥" + (fen / 100).toFixed(2) + "/" +
        (document.documentElement.lang === "en" ? "hour" : "小时");
    };
    if (station) { station.addEventListener("change", showFigure); }
    // Pieces an hour matter only for a piece rate: the box shows when "piece" is chosen.
    var piecesBox = document.getElementById("pieces-box");
    var unitNow = function () { return (form.querySelector("input[name=pay_unit]:checked") || {}).value || "hour"; };
    var showPieces = function () { if (piecesBox) { piecesBox.hidden = unitNow() !== "piece"; } };
    form.querySelectorAll("input[name=pay_unit]").forEach(function (r) { r.addEventListener("change", showPieces); });
    showPieces();
    // The workplace from the phone's location, when the employer stands there (browsers give
    // a location only over HTTPS; without one the station's position stands in).
    var locate = document.getElementById("site-locate");
    var siteStatus = document.getElementById("site-status");
    if (locate && siteStatus && "geolocation" in navigator && window.isSecureContext) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        siteStatus.textContent = siteStatus.getAttribute("data-busy");
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.getElementById("f-site-lat").value = pos.coords.latitude.toFixed(6);
          document.getElementById("f-site-lon").value = pos.coords.longitude.toFixed(6);
          siteStatus.textContent = siteStatus.getAttribute("data-ok") + " (±" + Math.round(pos.coords.accuracy) + " m)";
          // The station nearest the workplace dispatches the order: choose it for the employer.
          var best = -1, bestD = Infinity;
          for (var i = 0; i < station.options.length; i += 1) {
            var o = station.options[i];
            var dLat = parseFloat(o.getAttribute("data-lat")) - pos.coords.latitude;
            var dLon = (parseFloat(o.getAttribute("data-lon")) - pos.coords.longitude) *
              Math.cos(pos.coords.latitude * Math.PI / 180);
            var d = dLat * dLat + dLon * dLon;
            if (d < bestD) { bestD = d; best = i; }
          }
          if (best >= 0) { station.selectedIndex = best; showFigure(); }
        }, function () {
          siteStatus.textContent = siteStatus.getAttribute("data-denied");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    form.addEventListener("submit", function (event) {
      var opt = chosen();
      var minFen = opt ? parseInt(opt.getAttribute("data-min-fen"), 10) || 0 : 0;
      var unit = unitNow();
      var yuan = parseFloat((form.elements.pay.value || "").replace("¥", ""));
      if (!minFen || isNaN(yuan)) { return; }
      var hourlyFen = Math.round(yuan * 100);
      if (unit === "piece") {
        var pieces = parseInt(form.elements.pieces_per_hour.value, 10);
        if (!(pieces > 0)) { return; }  // the server names the missing field
        hourlyFen = hourlyFen * pieces;
      }
      if (unit === "day") {
        var span = minutes(form.elements.ends.value) - minutes(form.elements.starts.value);
        if (span <= 0) { span += 24 * 60; }
        if (!(span > 0)) { return; }
        hourlyFen = hourlyFen / (span / 60);
      }
      if (hourlyFen >= minFen) { return; }
      event.preventDefault();
      var message = form.getAttribute("data-msg-below")
        .replace("{hourly}", (hourlyFen / 100).toFixed(2))
        .replace("{region}", opt.getAttribute("data-region"))
        .replace("{min}", (minFen / 100).toFixed(2));
      var box = document.getElementById("client-errors");
      box.textContent = "";
      var summary = document.createElement("div");
      summary.className = "error-summary";
      summary.setAttribute("role", "alert");
      summary.tabIndex = -1;
      var h = document.createElement("h2");
      h.textContent = form.getAttribute("data-msg-title");
      var link = document.createElement("a");
      link.href = "#f-pay";
      link.textContent = message;
      var ul = document.createElement("ul");
      var li = document.createElement("li");
      li.appendChild(link);
      ul.appendChild(li);
      summary.appendChild(h);
      summary.appendChild(ul);
      box.appendChild(summary);
      form.elements.pay.setAttribute("aria-invalid", "true");
      summary.focus();
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var live = document.getElementById("live");
  if (live) {
    // Never replace the forms under someone's fingers: skip a refresh while they type.
    live.addEventListener("htmx:beforeRequest", function (event) {
      var el = document.activeElement;
      if (el && live.contains(el) && (el.tagName === "INPUT" || el.tagName === "TEXTAREA")) {
        event.preventDefault();
      }
    });
  }
  if (live && live.getAttribute("data-order") && window.EventSource && window.htmx) {
    var source = new EventSource("/api/v1/events");
    ["order.filling", "offer.accepted", "assignment.cancelled", "assignment.arrived", "assignment.departed",
     "assignment.completed", "assignment.paid", "assignment.pay_confirmed", "assignment.no_show",
     "complaint.opened", "complaint.resolved"].forEach(function (kind) {
      source.addEventListener(kind, function () { window.htmx.trigger(live, "refresh"); });
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
/* The market guidance for the chosen job type (all are on the page; one is shown). */
(function () {
  "use strict";
  var skill = document.getElementById("f-skill");
  if (!skill) { return; }
  skill.addEventListener("change", function () {
    var boxes = document.querySelectorAll(".guidance-skill");
    for (var i = 0; i < boxes.length; i += 1) {
      boxes[i].hidden = boxes[i].getAttribute("data-skill") !== skill.value;
    }
  });
}());
