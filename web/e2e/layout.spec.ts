import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { api, expect, open, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("the core flow works at 360 px, one pane at a time", async ({ browser, server }) => {
  const alice = await api(server, demo.alice);
  const title = unique("Narrow");
  const id = await alice.group(title, [demo.bob]);
  for (let i = 0; i < 30; i++) await alice.send(id, `an earlier message, number ${i}, long enough to wrap onto a second line at this width`);
  await alice.send(id, "welcome to the small screen");
  const page = await signedIn(browser, server, demo.bob, { width: 360, height: 740 });

  const list = page.getByRole("navigation", { name: "Conversations" });
  await expect(list).toBeVisible();
  await list.getByRole("link", { name: new RegExp(title) }).click();
  const log = page.getByRole("log", { name: "Messages" });
  await expect(log).toBeVisible();
  await expect(list).toBeHidden();
  // Opened at the newest message, fully in view, although the messages above were laid out at an estimate.
  await expect(log.getByText("welcome to the small screen")).toBeInViewport({ ratio: 1 });

  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("replying from a phone");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(log.locator("article[data-seq]", { hasText: "replying from a phone" })).toBeVisible();
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  await page.getByRole("button", { name: "Back to conversations" }).click();
  await expect(list).toBeVisible();
  await page.context().close();
});

test("axe finds no serious or critical violation on the main screens, in light and dark", async ({ browser, server }) => {
  const alice = await api(server, demo.alice);
  const id = await alice.group(unique("Accessible"), [demo.bob, demo.charlie]);
  await alice.send(id, "**Bold** words, `code` and a link https://example.org");
  const charlie = await api(server, demo.charlie);
  await charlie.send(id, "a reply from Charlie");

  const signedOut = await browser.newContext({ baseURL: server.url });
  const start = await signedOut.newPage();
  await start.goto("/signin");
  await expect(start.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(await seriousViolations(start), "sign-in").toEqual([]);
  await start.goto("/signup");
  await expect(start.getByRole("button", { name: "Create account" })).toBeVisible();
  expect(await seriousViolations(start), "sign-up").toEqual([]);
  await signedOut.close();

  for (const scheme of ["light", "dark"] as const) {
    const page = await signedIn(browser, server, demo.alice);
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, id);
    await expect(page.getByRole("log").getByText("a reply from Charlie")).toBeVisible();
    expect(await seriousViolations(page), `conversation (${scheme})`).toEqual([]);

    for (const [path, ready, name] of [
      ["/search?q=reply", page.getByRole("searchbox", { name: "Search messages" }), "search"],
      ["/contacts", page.getByRole("heading", { name: "Contacts", level: 1 }), "contacts"],
      ["/settings", page.getByRole("heading", { name: "Settings" }), "settings"],
      ["/admin", page.getByRole("tab", { name: "Users" }), "admin"],
    ] as const) {
      await page.goto(path);
      await expect(ready).toBeVisible();
      await page.waitForLoadState("networkidle").catch(() => undefined);
      expect(await seriousViolations(page), `${name} (${scheme})`).toEqual([]);
    }
    await page.context().close();
  }
});
