// Builds the admin's calendar board into the Python package (no Node.js at run time):
// src/board.ts and src/board.css -> src/booking_api/admin/statics/board/board.{js,css}.
// Deterministic: the same sources and package-lock.json give the same bytes
// (scripts/check_admin_build.sh rebuilds and compares).
// svelte is pinned (5.57.3): EventCalendar 5.15's prebuilt dist relies on svelte's mount()
// setting up its DOM helpers, which svelte 5.59 moved into compiled components.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../../src/booking_api/admin/statics/board");

await build({
  entryPoints: [
    { in: path.join(here, "src/board.ts"), out: "board" },
    { in: path.join(here, "src/board.css"), out: "board" },
  ],
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
