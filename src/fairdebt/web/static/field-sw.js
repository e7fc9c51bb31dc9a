/* The field app's service worker (served as /field/sw.js, scope /field/): the day's list and the
   visit pages opened, and their assets, stay readable offline. Pages: network first, the cache
   when offline. A page that answers with the sign-in page (the session ended) empties the
   cache: addresses do not outlive the sign-in. No POST is ever cached or replayed. */
const CACHE = "fairdebt-field-v1";
const PRECACHE = [
  "/field/",
  "/static/vendor/bootstrap.min.css",
  "/static/fairdebt.css",
  "/static/field.css",
  "/static/field.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.delete(CACHE));
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/static/")) return true;
  return url.pathname.startsWith("/field/") && !url.pathname.endsWith(".pdf")
    && !url.pathname.endsWith("/photo") && url.pathname !== "/field/sw.js";
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) caches.open(CACHE).then((cache) => cache.put(request, response.clone()));
        return response;
      })),
    );
    return;
  }
  event.respondWith(
    fetch(request).then((response) => {
      if (response.redirected && new URL(response.url).pathname === "/login") {
        caches.delete(CACHE);
      } else if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => caches.match(url.pathname).then((hit) => hit || caches.match("/field/"))),
  );
});
