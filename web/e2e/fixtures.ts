// The tests' vocabulary: a server per engine and worker, and signing in as a person would.

import { test as base, expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ApiClient, ConfabServer, type DemoUser, type Engine } from "./harness";

interface WorkerFixtures {
  engine: Engine;
  server: ConfabServer;
}

export const test = base.extend<object, WorkerFixtures>({
  engine: ["sqlite", { scope: "worker", option: true }],
  server: [
    async ({ engine }, use) => {
      const server = new ConfabServer(engine);
      await server.start();
      await use(server);
      await server.dispose();
    },
    { scope: "worker", timeout: 90_000 },
  ],
});

export { expect };

/** A new browser context (its own storage, like another person's browser), signed in through the form. */
export async function signedIn(browser: Browser, server: ConfabServer, user: DemoUser, options: { width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  await context.addInitScript(() => {
    (window as unknown as { __pwned: unknown }).__pwned = false;
  });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

export async function signIn(page: Page, user: DemoUser): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Username or e-mail").fill(user.login);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Conversations" })).toBeVisible();
}

export async function open(page: Page, conversationId: string): Promise<void> {
  await page.goto(`/c/${conversationId}`);
  await expect(page.getByRole("log", { name: "Messages" })).toBeVisible();
}

export function api(server: ConfabServer, user: DemoUser): Promise<ApiClient> {
  return ApiClient.signIn(server.url, user);
}

/** The bodies of the messages in a page's timeline, in the order shown. */
export async function bodies(page: Page): Promise<string[]> {
  return page.locator("[role=log] article[data-seq] .message-body").allTextContents();
}

export function unique(label: string): string {
  return `${label} ${Math.random().toString(36).slice(2, 8)}`;
}

/** Saves a screenshot into the test's output, and into docs/screenshots when CONFAB_DOCS_SCREENSHOTS is set (screens.spec.ts). */
export async function shoot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
  if (process.env.CONFAB_DOCS_SCREENSHOTS) {
    const dir = resolve(import.meta.dirname, "../../docs/screenshots");
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }
}
