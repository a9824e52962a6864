// Lianxin service worker: keeps the app shell available offline.
// The API and the WebSocket always go to the network; the client caches its own data.
// The build names its scripts and styles by content hash, so the worker learns them from
// index.html itself: at install (the first visit works offline at once) and on every
// online page load (a new release is cached, the old release's entry files dropped).
const CACHE = "lianxin-shell-v2";
const STATIC = ["/manifest.webmanifest", "/icon.svg", "/icon-maskable.svg", "/icon-192.png", "/apple-touch-icon.png"];

/** The same-origin /assets/ files a page links to (its scripts, styles, preloads). */
function assetsOf(html) {
  const out = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) out.add(m[1]);
  return [...out];
}

/** Cache this index.html and everything it needs; forget entry files no page needs now. */
async function keepShell(cache, resp) {
  const html = await resp.clone().text();
  const wanted = assetsOf(html);
  const missing = [];
  for (const url of wanted) if (!(await cache.match(url))) missing.push(url);
  await cache.addAll(missing);
  await cache.put("/index.html", resp);
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname;
    if (/^\/assets\/index-[^/]+\.(js|css)$/.test(path) && !wanted.includes(path)) await cache.delete(req);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(STATIC);
      const resp = await fetch("/index.html", { cache: "no-cache" });
      if (!resp.ok) throw new Error(`index.html: ${resp.status}`);
      await keepShell(cache, resp);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/ws" || url.pathname === "/healthz") return;

  if (req.mode === "navigate") {
    // Network first for the page, so a new release is picked up; the cached shell offline.
    event.respondWith(
      fetch(req)
        .then((resp) => {
          if (resp.ok && (resp.headers.get("content-type") || "").includes("text/html")) {
            event.waitUntil(caches.open(CACHE).then((c) => keepShell(c, resp.clone())).catch(() => {}));
          }
          return resp;
        })
        .catch(async () => (await caches.match("/index.html")) || Response.error()),
    );
    return;
  }

  // Hashed build assets never change: cache first, then remember.
  event.respondWith(
    caches.match(req).then(
      (hit) =>
        hit ||
        fetch(req).then((resp) => {
          if (resp.ok && url.pathname.startsWith("/assets/")) {
            const copy = resp.clone();
            event.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
          }
          return resp;
        }),
    ),
  );
});
