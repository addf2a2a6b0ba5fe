// Keeps an open ticket page live: when the version /tickets/{id}/state answers changes, the
// read-only parts (each `[data-live-part]`) are swapped for those of the fragment. The
// forms an operator may be typing in stay as they are, but their hidden version field
// takes the new version, so the next change is not refused as stale.
import { keepLive } from "./live.js";

const page = document.querySelector("[data-testid=ticket-page]");

function swapParts(html) {
  const fragment = document.createElement("template");
  fragment.innerHTML = html;
  // Read before the swap: swapping moves the parts out of the fragment.
  const version = fragment.content.querySelector("[data-version]");
  if (version) {
    for (const field of page.querySelectorAll("form input[name=version]")) {
      field.value = version.dataset.version;
    }
  }
  for (const part of fragment.content.querySelectorAll("[data-live-part]")) {
    const shown = page.querySelector(`[data-live-part="${part.dataset.livePart}"]`);
    if (shown) shown.replaceWith(part);
  }
}

if (page && page.dataset.stateUrl) {
  keepLive({
    stateUrl: page.dataset.stateUrl,
    fragmentUrl: page.dataset.fragmentUrl,
    stampKey: "version",
    shown: page.dataset.version,
    swap: swapParts,
  });
}
