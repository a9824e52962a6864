import { defineConfig } from "vitest/config";
import preact from "@preact/preset-vite";

// `npm run dev` proxies the API and the WebSocket to a local `lianxin serve --port 8124`.
const backend = process.env.LIANXIN_DEV_BACKEND ?? "http://127.0.0.1:8124";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2020" },
  server: {
    proxy: {
      "/api": backend,
      "/ws": { target: backend.replace(/^http/, "ws"), ws: true },
    },
  },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
