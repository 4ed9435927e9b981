// The online opening's live page: fetch the state fragment every few seconds and count down.
// When the stage changes the page reloads to show the new stage's forms — unless someone is in
// the middle of typing into one, whose words a reload would lose.
(function () {
  "use strict";
  const live = document.getElementById("opening-live");
  if (!live) return;
  const url = live.dataset.liveUrl;
  const every = Math.max(1, Number(live.dataset.poll || "3")) * 1000;
  const stageAtLoad = live.dataset.stage;

  function typing() {
    return Array.from(document.querySelectorAll("textarea")).some((t) => t.value.trim() !== "");
  }

  function countdowns() {
    live.querySelectorAll("time[data-countdown]").forEach((el) => {
      const until = Date.parse(el.dataset.countdown);
      const serverNow = Date.parse(el.dataset.serverNow);
      if (!el.dataset.loadedAt) el.dataset.loadedAt = String(Date.now());
      const now = serverNow + (Date.now() - Number(el.dataset.loadedAt));
      const left = Math.max(0, Math.round((until - now) / 1000));
      const m = Math.floor(left / 60), s = left % 60;
      el.title = el.textContent;
      el.dataset.left = String(left);
      el.textContent = el.textContent.split(" (")[0] + " (" + m + ":" + String(s).padStart(2, "0") + ")";
    });
  }

  async function refresh() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      if (response.ok) {
        const html = await response.text();
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const state = holder.querySelector("[data-stage]");
        if (state && state.dataset.stage !== stageAtLoad && !typing()) {
          window.location.reload();
          return;
        }
        live.innerHTML = html;
        live.dataset.refreshedAt = String(Date.now());
        countdowns();
      }
    } catch (e) {
      // A dropped connection: try again at the next tick.
    }
    window.setTimeout(refresh, every);
  }

  countdowns();
  window.setInterval(countdowns, 1000);
  window.setTimeout(refresh, every);
})();
