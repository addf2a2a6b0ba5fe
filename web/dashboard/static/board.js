// Keeps an open board live: the board is swapped whole for /board/fragment whenever the
// fingerprint /board/state answers (for the same filters) changes.
import { keepLive } from "./live.js";

const live = document.querySelector("[data-testid=live]");
if (live) {
  keepLive({
    stateUrl: live.dataset.stateUrl,
    fragmentUrl: live.dataset.fragmentUrl,
    stampKey: "fingerprint",
    shown: live.dataset.fingerprint,
    swap(html, fingerprint) {
      live.innerHTML = html;
      live.dataset.fingerprint = fingerprint;
    },
  });
}
