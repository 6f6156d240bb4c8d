import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/** A .gz copy beside each built script and stylesheet: the gateway sends it to
 * browsers that accept gzip (gateway/routes/console.py), so no proxy needs to. */
function gzipAssets(): Plugin {
  let outDir = "dist";
  return {
    name: "crm-gzip-assets",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle(_options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css)$/.test(fileName)) continue;
        const path = join(outDir, fileName);
        writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }));
      }
    },
  };
}

// Served by the gateway at /console/ (gateway/routes/console.py); `npm run dev`
// proxies the API to a gateway on 127.0.0.1:8080 (make up).
export default defineConfig({
  base: "/console/",
  plugins: [react(), gzipAssets()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 500,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
