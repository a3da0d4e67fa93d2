// The worker's live pages (waiting for work, today's job, my jobs): the server's event stream
// re-fetches the part of the page an event changes; the page says when it is offline and
// catches up the moment the network is back; an offer rings and buzzes once the person has
// tapped "点一下，来活时手机会响" (browsers allow sound and vibration only after a tap).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("live-config").textContent);
  var box = config.src ? document.querySelector("[data-src]") : null;
  var status = document.getElementById("net-status");
  var source = null;
  var retryTimer = null;
  var offlineTimer = null;
  var retryDelay = 1000;
  var wasOffline = false;
  var busy = false;
  var again = false;

  // ------------------------------------------------------------ sound and vibration
  var KEY = "gs-alerts";
  var audio = null;
  var alerts = document.getElementById("alerts");
  var alertsOn = document.getElementById("alerts-on");
  var alertsNote = document.getElementById("alerts-note");

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
  }
  function activated() {
    // Chromium refuses (and logs) vibrate() before the first tap on the page.
    return !navigator.userActivation || navigator.userActivation.hasBeenActive;
  }
  function beep(seconds) {
    if (!audio || audio.state !== "running") return;
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.25;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + seconds);
  }
  function ring() {
    if (!remembered()) return;
    if (navigator.vibrate && activated()) navigator.vibrate([400, 150, 400, 150, 400]);
    beep(0.5);
    window.setTimeout(function () { beep(0.5); }, 700);
  }
  if (alerts) {
    alerts.hidden = false;
    if (remembered()) {
      alertsOn.hidden = true;
      alertsNote.hidden = false;
    }
    alertsOn.addEventListener("click", function () {
      try { window.localStorage.setItem(KEY, "on"); } catch (e) { /* private mode: this page only */ }
      unlockAudio();
      if (navigator.vibrate) navigator.vibrate(200);
      window.setTimeout(function () { beep(0.2); }, 50);
      alertsOn.hidden = true;
      alertsNote.hidden = false;
    });
    // After the first tap on a later visit, the remembered choice needs only any touch.
    document.addEventListener("pointerdown", function () { if (remembered()) unlockAudio(); });
  }

  // ------------------------------------------------------------ online / offline
  function show(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "net-status " + kind;
    status.hidden = false;
  }
  function offline() {
    wasOffline = true;
    show(config.offline, "warn");
  }
  function online() {
    if (!wasOffline) return;
    wasOffline = false;
    show(config.online, "notice");
    window.setTimeout(function () { if (!wasOffline && status) status.hidden = true; }, 4000);
  }

  // ------------------------------------------------------------ the live part of the page
  // Offers already on the page when it opened were seen; any other one rings, however it
  // arrived (its event, or the catch-up after a dropped connection).
  var seen = {};
  function offerIds() {
    return box ? Array.prototype.map.call(box.querySelectorAll("[data-offer]"),
      function (el) { return el.getAttribute("data-offer"); }) : [];
  }
  offerIds().forEach(function (id) { seen[id] = true; });

  // Never swap the cards under a finger: a tap on 接受 that lands as the list is replaced
  // would be lost. Swaps wait until a moment after the touch, and happen only when
  // something other than the countdowns changed.
  var touchedAt = 0;
  var shown = "";
  function signature(html) {
    // Serialised by the browser either way, so the page's own markup and a fetched copy compare.
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.innerHTML.replace(/<p class="countdown"[^>]*>[^<]*<\/p>/g, "")
      .replace(/name="_csrf_token" value="[^"]*"/g, "").replace(/>\s+</g, "><").trim();
  }
  if (box) {
    shown = signature(box.innerHTML);
    box.addEventListener("pointerdown", function () { touchedAt = Date.now(); });
    box.addEventListener("focusin", function () { touchedAt = Date.now(); });
    box.addEventListener("input", function () { touchedAt = Date.now(); });
  }
  // Nor under words being written (a note on a wage complaint): wait until the box is left.
  function typing() {
    var el = document.activeElement;
    return !!(el && box.contains(el) && (el.tagName === "TEXTAREA" || el.tagName === "INPUT") && el.value);
  }

  function refresh() {
    if (!box) return;
    if (busy) { again = true; return; }
    var wait = touchedAt + 1500 - Date.now();
    if (wait > 0 || typing()) { window.setTimeout(refresh, Math.max(wait, 1500)); return; }
    busy = true;
    window.fetch(config.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error("status " + r.status);
        return r.text();
      })
      .then(function (html) {
        online();
        var sig = signature(html);
        if (sig === shown) return;  // nothing new: leave the page (and any finger) alone
        if (touchedAt + 1500 > Date.now()) { again = true; return; }
        shown = sig;
        box.innerHTML = html;
        if (box.querySelector("[data-reload]")) { window.location.reload(); return; }
        var fresh = offerIds().filter(function (id) { return !seen[id]; });
        if (fresh.length) {
          fresh.forEach(function (id) { seen[id] = true; });
          window.scrollTo(0, 0);
          ring();
        }
        tick();
      })
      .catch(function () { /* offline: the next event or reconnect tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; window.setTimeout(refresh, Math.max(0, touchedAt + 1500 - Date.now())); }
      });
  }

  function connect() {
    if (!window.EventSource) return;
    if (source) source.close();
    window.clearTimeout(retryTimer);
    source = new EventSource("/api/v1/events");
    source.addEventListener("open", function () {
      retryDelay = 1000;
      window.clearTimeout(offlineTimer);
      offlineTimer = null;
      online();
      refresh(); // whatever happened while the stream was down
    });
    source.addEventListener("error", function () {
      if (!offlineTimer) offlineTimer = window.setTimeout(offline, navigator.onLine ? 4000 : 0);
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (a failed first connect): try again, more slowly each time.
        retryTimer = window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
    });
    config.refresh.forEach(function (kind) { source.addEventListener(kind, refresh); });
    config.reload.forEach(function (kind) {
      source.addEventListener(kind, function () { window.location.reload(); });
    });
  }
  window.addEventListener("offline", function () {
    window.clearTimeout(offlineTimer);
    offlineTimer = null;
    offline();
  });
  // Back online: reconnect at once instead of waiting for the stream's retry delay.
  window.addEventListener("online", function () { retryDelay = 1000; connect(); refresh(); });
  window.addEventListener("pagehide", function () { if (source) source.close(); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { connect(); refresh(); } });
  connect();

  // ------------------------------------------------------------ countdowns
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.getAttribute("data-expires")) - now) / 1000));
      var s = left % 60;
      el.textContent = left > 0 ? config.left.replace("{t}", Math.floor(left / 60) + ":" + (s < 10 ? "0" : "") + s)
        : config.gone;
      if (left === 0) {
        var card = el.closest("article");
        if (card) card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }
    });
  }
  if (config.left) { window.setInterval(tick, 1000); tick(); }

  // ------------------------------------------------------------ parts that change by the clock
  // The code the employer scans changes every minute (work.timesheet): such a part names its
  // fragment (data-poll) and is fetched again every data-every seconds, and on the events
  // that move the job on (arrival, departure), so the phone never shows a stale code.
  function poll(el) {
    window.fetch(el.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (r.redirected || !r.ok) throw new Error("status " + r.status); return r.text(); })
      .then(function (html) { el.innerHTML = html; })
      .catch(function () { /* offline: the next round tries again */ });
  }
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    var every = Math.max(5, parseInt(el.getAttribute("data-every") || "20", 10)) * 1000;
    window.setInterval(function () { if (!document.hidden) poll(el); }, every);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(el); });
  });
  function pollAll() { document.querySelectorAll("[data-poll]").forEach(poll); }
  if (source) {
    ["assignment.arrived", "assignment.departed"].forEach(function (kind) { source.addEventListener(kind, pollAll); });
  }

  // ------------------------------------------------------------ 百度: the app, else the web map
  document.querySelectorAll("a[data-app]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var web = link.getAttribute("href");
      var started = Date.now();
      var fallback = window.setTimeout(function () {
        if (!document.hidden && Date.now() - started < 2500) window.location.href = web;
      }, 1500);
      document.addEventListener("visibilitychange", function () {
        if (document.hidden) window.clearTimeout(fallback);
      }, { once: true });
      window.location.href = link.getAttribute("data-app");
    });
  });
})();
