import { api, expect, open, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

const hostile = [
  `<img src=x onerror="window.__pwned='img'">`,
  `<script>window.__pwned='script'</script>`,
  `[click me](javascript:window.__pwned='markdown-link')`,
  `javascript:window.__pwned='bare-link'`,
  `<a href="javascript:window.__pwned='anchor'">anchor</a>`,
  `<svg onload="window.__pwned='svg'"></svg>`,
  `<iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
  `right\u202Eto-left override\u202C done`,
  `zero\u200Bwidth\u200Djoiner\uFEFFmarks`,
  "**bold** _italic_ `<b>code</b>`\n```\n<script>block()</script>\n```",
];

test("hostile bodies render as text and run nothing", async ({ browser, server }) => {
  const charlie = await api(server, demo.charlie);
  const id = await charlie.group(unique("Hostile"), [demo.alice]);
  for (const body of hostile) await charlie.send(id, body);

  const page = await signedIn(browser, server, demo.alice);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await open(page, id);
  const log = page.getByRole("log", { name: "Messages" });
  await expect(log.locator("article[data-seq]")).toHaveCount(hostile.length);

  const texts = await log.locator("article[data-seq] .message-body").allTextContents();
  expect(texts[0]).toBe(hostile[0]);
  expect(texts[1]).toBe(hostile[1]);
  expect(texts[4]).toBe(hostile[4]);
  expect(texts[7]).toBe(hostile[7]);
  expect(texts[8]).toBe(hostile[8]);
  // Formatting is ours, built as elements: bold and code, with the code's markup kept as text.
  await expect(log.locator("strong", { hasText: "bold" })).toHaveCount(1);
  await expect(log.locator("code", { hasText: "<b>code</b>" })).toHaveCount(1);
  await expect(log.locator("pre", { hasText: "<script>block()</script>" })).toHaveCount(1);

  // Nothing from the bodies became an element that could run or load.
  await expect(log.locator(".message-body img, .message-body script, .message-body svg, .message-body iframe")).toHaveCount(0);
  await expect(page.locator('a[href^="javascript:" i]')).toHaveCount(0);
  // Clicking the would-be links does nothing either.
  for (const link of await log.locator(".message-body a").all()) await link.click({ modifiers: ["Control"] }).catch(() => undefined);
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __pwned: unknown }).__pwned)).toBe(false);
  expect(dialogs).toEqual([]);
  await page.context().close();
});
