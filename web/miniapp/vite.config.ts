// Builds the Mini App into the Python package (src/booking_api/miniapp/static), served at /app/.
//
// The output is deterministic: file names carry content hashes (identical sources give identical
// names and bytes), nothing depends on the clock or the machine. CI rebuilds it and compares with
// the committed copy (scripts/check_web_build.sh).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { minifySync } from "rolldown/utils";
import { defineConfig, type Plugin } from "vite";

const outDir = fileURLToPath(new URL("../../src/booking_api/miniapp/static", import.meta.url));

/** Telegram's official Web App script (the copy @twa-dev/sdk ships), served beside the app as
 * telegram-web-app.js instead of from telegram.org. It is guarded so that a host which already
 * provides `window.Telegram.WebApp` (a test's stand-in) keeps its own. */
function telegramScript(): Plugin {
  return {
    name: "telegram-web-app-script",
    apply: "build",
    generateBundle() {
      const path = fileURLToPath(
        new URL("./node_modules/@twa-dev/sdk/src/telegram-web-apps.js", import.meta.url),
      );
      const source = readFileSync(path, "utf8");
      const guarded = `if (!(window.Telegram && window.Telegram.WebApp)) {\n${source}\n}\n`;
      const { code, errors } = minifySync("telegram-web-app.js", guarded, {
        compress: true,
        mangle: true,
      });
      if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
      this.emitFile({
        type: "asset",
        fileName: "telegram-web-app.js",
        source: "/*! Telegram Web App script (telegram-web-app.js), as the @twa-dev/sdk package ships it */\n" + code,
      });
    },
  };
}

// `npm run dev`: the page with hot reload, talking to an API on 127.0.0.1:8000 (`booking run`).
const api = process.env.BOOKING_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "./",
  server: { proxy: { "/api": api, "/media": api } },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  plugins: [telegramScript()],
  build: {
    outDir,
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        entryFileNames: "assets/app-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith(".css"))
            ? "assets/app-[hash][extname]"
            : "assets/[name]-[hash][extname]",
      },
    },
  },
});
