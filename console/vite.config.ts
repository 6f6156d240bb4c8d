import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by the gateway at /console/ (gateway/routes/console.py); `npm run dev`
// proxies the API to a gateway on 127.0.0.1:8080 (make up).
export default defineConfig({
  base: "/console/",
  plugins: [react()],
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
