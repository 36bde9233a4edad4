import { defineConfig } from "@playwright/test";
import type { Engine } from "./e2e/harness";

// Browser tests against a real `confab serve`, in Debian's Chromium (no browser is downloaded here).
// scripts/test runs them once on SQLite and, when CONFAB_TEST_PG names a PostgreSQL, once on it.
const chromium = process.env.CONFAB_CHROMIUM ?? "/usr/bin/chromium";
const engines: Engine[] = process.env.CONFAB_TEST_PG ? ["sqlite", "postgres"] : ["sqlite"];

export default defineConfig<object, { engine: Engine }>({
  testDir: "e2e",
  outputDir: process.env.CONFAB_E2E_OUTPUT ?? "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CONFAB_E2E_JUNIT ? [["list"], ["junit", { outputFile: process.env.CONFAB_E2E_JUNIT }]] : [["list"]],
  use: {
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
    },
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "off",
    actionTimeout: 10_000,
  },
  projects: engines.map((engine) => ({ name: engine, use: { engine } })),
});
