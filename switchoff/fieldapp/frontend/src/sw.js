// The field app's service worker (scope /field/): it keeps the app shell (the page, its script,
// style and icon) so that the app opens without signal. It never caches an API answer: the
// member's cases live in IndexedDB, written by the app itself, and the API is always asked live.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

// The view serving this file puts in the revision of the page and the manifest (Django renders
// both: a hash of what it renders).
const SHELL = { url: "/field/", revision: "__SHELL_REVISION__" };
const MANIFEST = { url: "/field/manifest.webmanifest", revision: "__SHELL_REVISION__" };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

cleanupOutdatedCaches();
precacheAndRoute([...self.__WB_MANIFEST, SHELL, MANIFEST]);
// Any navigation inside the app (/field/, /field/?..., /field/#/case/12) opens the shell; the
// enrol page needs the server (it is where a logged-in member gets the device token).
registerRoute(new NavigationRoute(createHandlerBoundToURL(SHELL.url), { allowlist: [/^\/field\/?$/, /^\/field\/\?/] }));
