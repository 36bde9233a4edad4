import { randomUUID } from "node:crypto";
import { api, expect, open, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

test("a reply quotes its original, and the quote jumps to it however far back; replying from the timeline works too", async ({ browser, server }) => {
  test.setTimeout(120_000);
  const charlie = await api(server, demo.charlie);
  const id = await charlie.group(unique("Long thread"), [demo.alice]);
  const original = await charlie.send(id, "the very first question");
  for (let i = 0; i < 400; i++) await charlie.send(id, `chatter ${i}`);
  await charlie.send(id, "answering the first question at last", randomUUID(), original.id);

  const page = await signedIn(browser, server, demo.alice);
  await open(page, id);
  const log = page.getByRole("log", { name: "Messages" });
  const reply = log.locator("article[data-seq]", { hasText: "answering the first question at last" });
  await expect(reply).toBeVisible();
  // The original is 400 messages back: far outside the loaded window.
  await expect(log.locator(`article[data-message-id="${original.id}"]`)).toHaveCount(0);
  await reply.getByRole("button", { name: /In reply to/ }).click();
  const target = log.locator(`article[data-message-id="${original.id}"]`);
  await expect(target).toBeVisible();
  await expect(target).toContainText("the very first question");
  expect(await log.locator("article[data-seq]").count()).toBeLessThanOrEqual(300);

  // Reply from the timeline: the composer says to whom, and the sent message quotes it.
  await target.hover();
  await target.getByRole("button", { name: "Reply" }).click();
  await expect(page.getByText("Replying to Charlie Parker")).toBeVisible();
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("a second answer");
  await composer.press("Enter");
  const mine = log.locator("article[data-seq]", { hasText: "a second answer" });
  await expect(mine).toBeVisible();
  await expect(mine.getByRole("button", { name: /In reply to Charlie Parker/ })).toContainText("the very first question");
  await page.context().close();
});
