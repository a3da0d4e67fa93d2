// Choosing a station without its QR code: nearest first when the phone gives a location.
(function () {
  "use strict";
  var button = document.getElementById("sort-near");
  var note = document.getElementById("sort-status");
  if (!button || !("geolocation" in navigator)) return;
  function locate() {
    note.textContent = button.getAttribute("data-busy");
    navigator.geolocation.getCurrentPosition(function (pos) {
      window.location.replace("/worker/checkin?lat=" + pos.coords.latitude.toFixed(5) +
        "&lon=" + pos.coords.longitude.toFixed(5));
    }, function () {
      note.textContent = button.getAttribute("data-denied");
    }, { timeout: 10000, maximumAge: 300000 });
  }
  button.hidden = false;
  button.addEventListener("click", locate);
  // Already allowed before: sort at once, without asking again.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted") locate();
    }, function () {});
  }
})();
