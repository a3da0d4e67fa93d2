// Check-in: ask the phone for its location once; without one, point to the screen's code.
(function () {
  "use strict";
  const text = JSON.parse(document.getElementById("checkin-text").textContent);
  const status = document.getElementById("geo-status");
  const code = document.getElementById("f-presence_code");
  const other = document.getElementById("until-other-box");
  const radios = document.querySelectorAll("input[name=until]");

  function showOther() {
    const picked = document.querySelector("input[name=until]:checked");
    other.hidden = !(picked && picked.value === "other");
  }
  radios.forEach((r) => r.addEventListener("change", showOther));
  showOther();

  // Scanned the screen's QR a moment ago: presence is proven, no location asked for.
  if (document.getElementById("pass-status")) {
    status.hidden = true;
    return;
  }

  function noLocation(message) {
    status.textContent = message;
    status.className = "warn";
    if (!code.value) code.focus();
  }
  if (!("geolocation" in navigator)) {
    noLocation(text.unsupported);
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      document.getElementById("f-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("f-lon").value = pos.coords.longitude.toFixed(6);
      status.textContent = text.ok + " (" + text.accuracy.replace("{m}", Math.round(pos.coords.accuracy)) + ")";
      status.className = "notice";
    },
    () => noLocation(text.denied),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
})();
