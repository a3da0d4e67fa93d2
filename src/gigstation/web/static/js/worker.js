// Waiting for work: live offers over server-sent events, a ring and a buzz, and countdowns.
(function () {
  "use strict";
  const text = JSON.parse(document.getElementById("worker-text").textContent);
  let audio = null;

  // Browsers allow sound only after the person has touched the page once.
  document.addEventListener("pointerdown", () => {
    if (!audio && window.AudioContext) audio = new AudioContext();
  }, { once: true });

  function ring() {
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  }

  function refresh() {
    document.body.dispatchEvent(new CustomEvent("offers-changed"));
  }

  if (window.EventSource) {
    const source = new EventSource("/api/v1/events");
    source.addEventListener("offer.new", () => { refresh(); ring(); });
    ["offer.withdrawn", "offer.expired", "offer.accepted", "offer.declined"].forEach((kind) =>
      source.addEventListener(kind, refresh));
    source.addEventListener("open", refresh);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-expires]").forEach((el) => {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.expires) - now) / 1000));
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, "0");
      el.textContent = left > 0 ? text.left.replace("{t}", m + ":" + s) : text.gone;
      if (left === 0) {
        el.closest("article")?.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      }
    });
  }
  setInterval(tick, 1000);
  tick();
})();
