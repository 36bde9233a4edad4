import { ConfabServer, demo } from "./harness";
import { expect, open, shoot, signedIn, test } from "./fixtures";

// The demo group as the README's first command shows it, on a server of its own so no other test's
// conversations crowd the list.
const demoGroup = "0190e7a0-0000-7000-8000-00000000610b";

test("screenshots of the main screens", async ({ browser, engine }, testInfo) => {
  test.skip(engine !== "sqlite", "one set is enough");
  test.setTimeout(120_000);
  const server = new ConfabServer(engine);
  await server.start();
  try {
    for (const scheme of ["light", "dark"] as const) {
      const page = await signedIn(browser, server, demo.alice);
      await page.emulateMedia({ colorScheme: scheme });
      await open(page, demoGroup);
      await expect(page.locator("[role=log] article[data-seq]").first()).toBeVisible();
      await page.getByRole("button", { name: "Conversation details" }).click();
      await expect(page.getByRole("complementary", { name: "Conversation details" }).getByText("@diana")).toBeVisible();
      await shoot(page, testInfo, `conversation-${scheme}`);
      await page.context().close();
    }

    const page = await signedIn(browser, server, demo.alice);
    await page.goto("/search?q=trail");
    await expect(page.getByRole("list", { name: "Results" }).getByRole("link").first()).toBeVisible();
    await shoot(page, testInfo, "search");
    await page.goto("/contacts");
    await expect(page.getByRole("heading", { name: "Contacts", level: 1 })).toBeVisible();
    await shoot(page, testInfo, "contacts");
    await page.goto("/settings");
    await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
    await expect(page.getByRole("button", { name: /^Sign out: / }).first()).toBeVisible();
    await shoot(page, testInfo, "settings");
    await page.goto("/admin");
    await expect(page.getByRole("row").filter({ hasText: "@bob" })).toBeVisible();
    await shoot(page, testInfo, "admin");
    await page.getByRole("tab", { name: "Server" }).click();
    await expect(page.getByRole("img", { name: /Bar chart/ })).toBeVisible();
    await shoot(page, testInfo, "admin-server");
    await page.context().close();

    const phone = await signedIn(browser, server, demo.bob, { width: 360, height: 740 });
    await shoot(phone, testInfo, "mobile-list");
    await open(phone, demoGroup);
    await expect(phone.locator("[role=log] article[data-seq]").first()).toBeVisible();
    await shoot(phone, testInfo, "mobile-conversation");
    await phone.context().close();

    const signedOut = await browser.newContext({ baseURL: server.url });
    const start = await signedOut.newPage();
    await start.goto("/signin");
    await expect(start.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await shoot(start, testInfo, "signin");
    await signedOut.close();
  } finally {
    await server.dispose();
  }
});
