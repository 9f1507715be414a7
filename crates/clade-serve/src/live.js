// Live pages: follow the page's event stream (server-sent events; the
// browser reconnects by itself and says which count it saw last) and, when
// the run's variant count changes, fetch the page again and swap in its
// <main>, so the tree, the chart and the tables update without a reload.
(function () {
  "use strict";
  const main = document.querySelector("main[data-events]");
  if (!main) return;
  let shown = main.dataset.count;
  let latest = shown;
  let busy = false;
  async function refresh() {
    if (busy || latest === shown) return;
    busy = true;
    try {
      const reply = await fetch(location.href, { credentials: "same-origin" });
      if (reply.ok) {
        const page = new DOMParser().parseFromString(await reply.text(), "text/html");
        const fresh = page.querySelector("main");
        if (fresh) {
          main.replaceChildren(...fresh.childNodes);
          shown = fresh.dataset.count;
          main.dataset.count = shown;
        }
      }
    } finally {
      busy = false;
    }
    if (latest !== shown) setTimeout(refresh, 500);
  }
  const events = new EventSource(main.dataset.events);
  events.addEventListener("variants", function (event) {
    latest = event.data;
    refresh();
  });
})();
