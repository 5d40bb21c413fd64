// Builds the field app into build/field/ (gitignored, served by Django's staticfiles as /static/field/):
// the app's JS modules bundled by esbuild, its CSS, PNG icons drawn here, and the service worker
// (Workbox modules bundled by esbuild, then the precache manifest injected by workbox-build).
// Run with `npm run build` (the Makefile's install step does).
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { build } from "esbuild";
import { injectManifest } from "workbox-build";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const out = join(root, "build", "field");
const work = join(root, "build", "field-sw");

rmSync(out, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });

const common = { bundle: true, minify: true, format: "esm", target: "es2020", legalComments: "none", logLevel: "warning", define: { "process.env.NODE_ENV": "\"production\"" } };
// The app's files carry a hash of their content in their name (app.3KQ2F7XZ.js): cached for good by the
// browser and the service worker, so an installed app that did not change costs nothing to open. The
// names are written to files.json, which the shell's view reads (fieldapp/views.py).
const hashed = { entryNames: "[name].[hash]", metafile: true, outdir: out };
const scripts = await build({ ...common, ...hashed, entryPoints: { app: join(here, "src", "app.js"), enrol: join(here, "src", "enrol.js") } });
const styles = await build({ ...common, ...hashed, entryPoints: { app: join(here, "src", "app.css") }, loader: { ".css": "css" } });
const files = {};
for (const result of [scripts, styles]) {
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const name = path.split("/").pop();
    files[name.replace(/\.[A-Z0-9]{8}\./, ".")] = name;
  }
}
writeFileSync(join(out, "files.json"), JSON.stringify(files, null, 1));
copyFileSync(join(here, "icon.svg"), join(out, "icon.svg"));

// A PNG of the icon (Android wants 192 and 512 px PNGs to install a web app): the brand blue,
// rounded by the launcher, with three white signal bars growing to the right.
function crc32(bytes) {
  let c, crc = 0xffffffff;
  for (const b of bytes) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}
function iconPng(size) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  const bars = [[0.22, 0.62], [0.42, 0.45], [0.62, 0.26]]; // [left, top] of each bar, as a share of the size
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const fx = x / size, fy = y / size;
      const white = fy < 0.78 && bars.some(([left, top]) => fx >= left && fx < left + 0.14 && fy >= top);
      const [r, g, b] = white ? [255, 255, 255] : [0x0b, 0x5c, 0xad];
      const at = y * (size * 3 + 1) + 1 + x * 3;
      raw[at] = r; raw[at + 1] = g; raw[at + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}
for (const size of [192, 512]) writeFileSync(join(out, `icon-${size}.png`), iconPng(size));

// The service worker: bundled first, then Workbox writes the list of files to precache (with their
// revisions) where the source says self.__WB_MANIFEST. The page itself (/field/) is precached too:
// Django renders it, so the view serving sw.js puts in the page's revision (views.service_worker).
await build({ ...common, format: "iife", entryPoints: [join(here, "src", "sw.js")], outfile: join(work, "sw.js") });
const { count, size, warnings } = await injectManifest({
  swSrc: join(work, "sw.js"),
  swDest: join(out, "sw.js"),
  globDirectory: out,
  globPatterns: [files["app.js"], files["app.css"], "icon.svg", "icon-192.png"],
  modifyURLPrefix: { "": "/static/field/" },
  // A name with its content's hash needs no revision: the browser's HTTP cache (where the page's own load
  // put it) fills the precache, instead of downloading the file a second time.
  dontCacheBustURLsMatching: /\.[A-Z0-9]{8}\.(js|css)$/,
});
rmSync(work, { recursive: true, force: true });
for (const warning of warnings) console.warn(warning);
console.log(`field app built in build/field: ${count} files precached, ${size} bytes`);
