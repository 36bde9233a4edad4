import { api, expect, signedIn, test } from "./fixtures";
import { demo } from "./harness";

test("an administrator sees users, the audit log and live server figures", async ({ browser, server, engine }) => {
  const page = await signedIn(browser, server, demo.alice);
  await page.getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { name: "Administration" })).toBeVisible();

  await expect(page.getByRole("tab", { name: "Users" })).toHaveAttribute("aria-selected", "true");
  await page.getByLabel("Find users").fill("bo");
  await expect(page.getByRole("row").filter({ hasText: "@bob" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "@charlie" })).toHaveCount(0);

  await page.getByRole("tab", { name: "Audit log" }).click();
  await expect(page.getByRole("cell", { name: "login.succeeded" }).first()).toBeVisible();
  await page.getByLabel("Action").fill("no.such.action");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("No entries match.")).toBeVisible();

  await page.getByRole("tab", { name: "Server" }).click();
  await expect(page.getByRole("definition").first()).toBeVisible();
  await expect(page.locator(".figures div", { hasText: "Engine" }).locator("dd")).toHaveText(engine);
  await expect(page.getByRole("img", { name: /Bar chart of messages per day over 30 days/ })).toBeVisible();
  await page.context().close();
});

test("for a member the admin pages are absent and their API answers 403", async ({ browser, server }) => {
  const page = await signedIn(browser, server, demo.bob);
  await expect(page.getByRole("link", { name: "Administration" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Administration" })).toHaveCount(0);
  await expect(page.getByText("Nothing here.")).toBeVisible();

  const bob = await api(server, demo.bob);
  for (const [method, path] of [
    ["GET", "/api/v1/admin/users"],
    ["GET", "/api/v1/admin/audit"],
    ["GET", "/api/v1/admin/server"],
    ["GET", "/api/v1/admin/stats/messages-per-day?days=30"],
    ["POST", `/api/v1/admin/users/${demo.charlie.id}/promote`],
    ["POST", `/api/v1/admin/users/${demo.charlie.id}/disable`],
  ] as const) {
    const r = await bob.request(method, path);
    expect(r.status, `${method} ${path}`).toBe(403);
  }
  await page.context().close();
});
