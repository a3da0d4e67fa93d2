// Admin station form: latitude and longitude from a 街道/镇 or a click on the district map.
(function () {
  "use strict";
  var box = document.getElementById("place-picker");
  if (!box) return;
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var svg = box.querySelector("svg");
  var mark = document.getElementById("place-mark");
  var status = document.getElementById("place-status");
  var n = function (name) { return parseFloat(box.getAttribute("data-" + name)); };
  var w = n("w"), h = n("h"), lat0 = n("lat0"), lon0 = n("lon0"), kx = n("kx"), ky = n("ky");

  function place(la, lo) {
    lat.value = la.toFixed(5);
    lon.value = lo.toFixed(5);
    mark.setAttribute("cx", (w / 2 + (lo - lon0) * kx).toFixed(1));
    mark.setAttribute("cy", (h / 2 - (la - lat0) * ky).toFixed(1));
    status.textContent = lat.value + ", " + lon.value;
  }
  document.getElementById("place-search").addEventListener("change", function (e) {
    var v = e.target.value.split(",");
    if (v.length === 2) place(parseFloat(v[0]), parseFloat(v[1]));
  });
  svg.addEventListener("click", function (e) {
    var r = svg.getBoundingClientRect();
    var x = (e.clientX - r.left) * w / r.width;
    var y = (e.clientY - r.top) * h / r.height;
    place(lat0 - (y - h / 2) / ky, lon0 + (x - w / 2) / kx);
  });
  var la = parseFloat(lat.value), lo = parseFloat(lon.value);
  if (!isNaN(la) && !isNaN(lo)) place(la, lo);
})();
