// The field app's service worker (scope /field/): it keeps the app shell (the page, its script,
// style and icon) so that the app opens without signal. It never caches an API answer: the
// member's cases live in IndexedDB, written by the app itself, and the API is always asked live.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

// The view serving this file replaces the page's revision (a hash of the rendered shell).
const SHELL = { url: "/field/", revision: "__SHELL_REVISION__" };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

cleanupOutdatedCaches();
precacheAndRoute([...self.__WB_MANIFEST, SHELL]);
// Any navigation inside the app (/field/, /field/?..., /field/#/case/12) opens the shell; the
// enrol page needs the server (it is where a logged-in member gets the device token).
registerRoute(new NavigationRoute(createHandlerBoundToURL(SHELL.url), { allowlist: [/^\/field\/?$/, /^\/field\/\?/] }));
