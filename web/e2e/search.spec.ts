import { api, expect, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

test("a search for a Chinese word and for an emoji finds the message and opens it in context", async ({ browser, server }) => {
  const charlie = await api(server, demo.charlie);
  const id = await charlie.group(unique("Travel"), [demo.alice]);
  for (let i = 0; i < 70; i++) await charlie.send(id, `filler ${i}`);
  const chinese = await charlie.send(id, "我们明天去北京吃烤鸭");
  for (let i = 0; i < 70; i++) await charlie.send(id, `more filler ${i}`);
  const emoji = await charlie.send(id, "party tonight 🎉 bring snacks");

  const page = await signedIn(browser, server, demo.alice);
  for (const [query, hit, text] of [
    ["北京", chinese, "我们明天去北京吃烤鸭"],
    ["🎉", emoji, "party tonight 🎉 bring snacks"],
  ] as const) {
    await page.getByRole("link", { name: "Search" }).click();
    const box = page.getByRole("searchbox", { name: "Search messages" });
    await box.fill(query);
    await box.press("Enter");
    const result = page.getByRole("list", { name: "Results" }).getByRole("link").filter({ has: page.locator("mark", { hasText: query }) });
    await expect(result).toHaveCount(1);
    await result.click();
    await expect(page).toHaveURL(new RegExp(`/c/${id}\\?m=${hit.id}`));
    const article = page.locator(`article[data-message-id="${hit.id}"]`);
    await expect(article).toBeVisible();
    await expect(article).toContainText(text);
  }
  await page.context().close();
});
