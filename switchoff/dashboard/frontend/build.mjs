// Builds the dashboard's charts into build/dashboard/ (gitignored, served by Django's staticfiles as
// /static/dashboard/): Apache ECharts' core with only the bar and line charts, the components they use and
// the SVG renderer (tree-shaken by esbuild: a fraction of the full library), and the page's own code.
// Run by `npm run build` (the Makefile's install step does).
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const out = join(root, "build", "dashboard");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { dashboard: join(here, "dashboard.js") },
  bundle: true, minify: true, format: "iife", target: "es2018", legalComments: "none", logLevel: "warning",
  outdir: out, define: { "process.env.NODE_ENV": "\"production\"" },
});
