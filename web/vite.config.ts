import { defineConfig } from "vite";

/** The matchmaker a `npm run dev:web` console talks to: `npm start` on its default HTTP port. */
const MATCHMAKER = "http://127.0.0.1:8080";

/**
 * Builds the web console into `web/dist`, which the matchmaker serves at `/console/`. Run from the
 * repository root (npm scripts do): paths are relative to it. The dev server proxies the RPCs and
 * the development token endpoint to a running matchmaker, so the console is same-origin either way.
 */
export default defineConfig({
  root: "web",
  base: "/console/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      "^/matchmaking\\.v1\\.": MATCHMAKER,
      "/dev/token": MATCHMAKER,
    },
  },
});
