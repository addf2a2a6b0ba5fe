// Keeps an open page live without a reload (shared by board.js and ticket.js): every
// 2.5 s asks `stateUrl` for a stamp of what the page shows and, when it changed, fetches
// the server-rendered (and escaped) fragment at `fragmentUrl` and hands it to `swap`.
// Without JavaScript the pages are plain links and forms. (ES modules: always strict.)

const POLL_MS = 2500;

export function keepLive({ stateUrl, fragmentUrl, stampKey, shown, swap }) {
  let busy = false;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const state = await fetch(stateUrl, { credentials: "same-origin" });
      if (!state.ok) return;
      const stamp = String((await state.json())[stampKey]);
      if (stamp === shown) return;
      const fragment = await fetch(fragmentUrl, { credentials: "same-origin" });
      if (!fragment.ok) return;
      swap(await fragment.text(), stamp);
      shown = stamp;
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", refresh);
}
