// Keeps an open board live without a reload: every 2.5 s asks /board/state (a fingerprint
// of what the board shows, for the same filters) and, when it changed, swaps in the board
// from /board/fragment (rendered and escaped by the server). Without JavaScript the board
// is a plain page of links and a form.
"use strict";
(function () {
  const live = document.querySelector("[data-testid=live]");
  if (!live) return;
  const POLL_MS = 2500;
  let shown = live.dataset.fingerprint;
  let busy = false;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const state = await fetch(live.dataset.stateUrl, { credentials: "same-origin" });
      if (!state.ok) return;
      const { fingerprint } = await state.json();
      if (fingerprint === shown) return;
      const fragment = await fetch(live.dataset.fragmentUrl, { credentials: "same-origin" });
      if (!fragment.ok) return;
      live.innerHTML = await fragment.text();
      shown = fingerprint;
      live.dataset.fingerprint = fingerprint;
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", refresh);
})();
