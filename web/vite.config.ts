import { defineConfig } from "vitest/config";
import preact from "@preact/preset-vite";

// The build lands in the server's wwwroot, which the server embeds into its assembly; hashed names let
// the server cache assets for a year while index.html is never cached.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "../src/Confab.Server/wwwroot",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
