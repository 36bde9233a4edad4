import { expect, test } from "./fixtures";
import { png } from "./harness";

test("a new person signs up, edits the profile, changes the password, downloads the data and deletes the account", async ({ browser, server }) => {
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  const name = `erin_${Math.random().toString(36).slice(2, 8)}`;
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("E-mail").fill(`${name}@example.test`);
  await page.getByLabel("Display name").fill("Erin Example");
  await page.getByLabel("Password").fill("first-password-42");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("navigation", { name: "Conversations" })).toBeVisible();

  await page.getByRole("button", { name: "Account", exact: true }).click();
  await page.getByRole("menuitem", { name: "Settings" }).click();
  await page.getByLabel("Display name").fill("Erin Renamed");
  await page.getByLabel("Status message").fill("on holiday 🏖️");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Account", exact: true })).toContainText("Erin Renamed");

  // A picture: uploaded, shown in the header, refused when it is not an image, removed.
  await page.getByLabel("Upload a picture").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(96, 96) });
  const header = page.getByRole("button", { name: "Account", exact: true });
  await expect(header.locator("img.avatar")).toBeVisible();
  await expect.poll(() => header.locator("img.avatar").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
  await page.getByLabel("Upload a picture").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
  await expect(page.getByRole("alert").filter({ hasText: "A picture must be a JPEG, PNG, GIF or WebP image." })).toBeVisible();
  await expect(header.locator("img.avatar")).toBeVisible();
  await page.getByRole("button", { name: "Remove picture" }).click();
  await expect(header.locator("img.avatar")).toHaveCount(0);

  // A wrong current password is refused with a sentence, and nothing changes.
  await page.getByLabel("Current password").fill("not-the-password");
  await page.getByLabel("New password").fill("second-password-42");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The password is not right." })).toBeVisible();
  await page.getByLabel("Current password").fill("first-password-42");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toBeVisible();

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download my data" }).click();
  const file = await download;
  const archive = JSON.parse(await (await import("node:fs/promises")).readFile((await file.path())!, "utf8")) as { profile: { username: string; displayName: string } };
  expect(archive.profile.username).toBe(name);
  expect(archive.profile.displayName).toBe("Erin Renamed");

  await page.getByRole("button", { name: "Delete my account" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete my account" });
  await dialog.getByLabel("Enter your password to delete your account for good").fill("first-password-42");
  await dialog.getByRole("button", { name: "Delete my account" }).click();
  await expect(dialog.getByRole("alert").filter({ hasText: "The password is not right." })).toBeVisible();
  await dialog.getByLabel("Enter your password to delete your account for good").fill("second-password-42");
  await dialog.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await page.getByLabel("Username or e-mail").fill(name);
  await page.getByLabel("Password", { exact: true }).fill("second-password-42");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "That username or password is not right." })).toBeVisible();
  await context.close();
});
