import { api, bodies, expect, open, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

test("two people chat live: messages, typing, read ticks, reactions, edits and deletions cross without a reload", async ({ browser, server }) => {
  const alice = await api(server, demo.alice);
  const id = await alice.group(unique("Two browsers"), [demo.bob]);
  const a = await signedIn(browser, server, demo.alice);
  const b = await signedIn(browser, server, demo.bob);
  await open(a, id);
  await open(b, id);

  // A message appears on the other side without a reload.
  const text = unique("hello bob");
  const composer = a.getByRole("textbox", { name: "Message" });
  await composer.fill(text);
  await composer.press("Enter");
  const mineOnA = a.locator("article[data-seq]", { hasText: text });
  await expect(b.locator("article[data-seq]", { hasText: text })).toBeVisible();

  // Bob has it on screen, so Alice's tick turns to read.
  await expect(mineOnA).toHaveAttribute("data-status", "read");

  // Typing shows on the other side and clears when the message is sent.
  await composer.pressSequentially("still typ", { delay: 30 });
  const typing = b.getByRole("status").filter({ hasText: "Alice Liddell is typing…" });
  await expect(typing).toBeVisible();
  await composer.press("Enter");
  await expect(typing).toBeHidden();
  await expect(b.locator("article[data-seq]", { hasText: "still typ" })).toBeVisible();
  await expect(a.locator("article[data-seq]", { hasText: "still typ" })).toHaveAttribute("data-status", /sent|delivered|read/);

  // Bob reacts; Alice sees the count.
  const onB = b.locator("article[data-seq]", { hasText: text });
  await onB.hover();
  await onB.getByRole("button", { name: "React" }).click();
  await b.getByRole("group", { name: "React" }).getByRole("button", { name: "👍" }).click();
  await expect(mineOnA.getByRole("button", { name: /👍\s*1/ })).toBeVisible();

  // ↑ in the empty composer edits Alice's last message; Bob sees the new text marked edited.
  await composer.press("ArrowUp");
  await expect(a.getByText("Editing message")).toBeVisible();
  await composer.fill("still typing, now edited");
  await composer.press("Enter");
  const edited = b.locator("article[data-seq]", { hasText: "still typing, now edited" });
  await expect(edited).toBeVisible();
  await expect(edited.getByRole("button", { name: "edited" })).toBeVisible();

  // Alice deletes the first message; Bob sees a tombstone in its place.
  await mineOnA.hover();
  await mineOnA.getByRole("button", { name: "Delete" }).click();
  await a.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(b.locator("article[data-seq]").filter({ hasText: "This message was deleted." })).toHaveCount(1);
  await expect(b.getByText(text)).toHaveCount(0);

  expect(await bodies(b)).toEqual(["This message was deleted.", "still typing, now edited"]);
  await a.context().close();
  await b.context().close();
});

test("the list reorders live, counts unread in badges and the tab title, and Ctrl+K jumps to a conversation", async ({ browser, server }) => {
  const charlie = await api(server, demo.charlie);
  const quiet = unique("Quiet corner");
  const busy = unique("Busy corner");
  const quietId = await charlie.group(quiet, [demo.diana]);
  await charlie.group(busy, [demo.diana]);
  const page = await signedIn(browser, server, demo.diana);
  const list = page.getByRole("navigation", { name: "Conversations" });
  const rows = list.getByRole("link");
  await expect(rows.first()).toContainText(busy);
  const unreadBefore = await page.evaluate(() => Number(/^\((\d+)\)/.exec(document.title)?.[1] ?? 0));

  await charlie.send(quietId, "first news");
  await charlie.send(quietId, "second news");
  await expect(rows.first()).toContainText(quiet);
  await expect(rows.first()).toContainText("Charlie Parker: second news");
  await expect(rows.first()).toContainText("2 unread");
  await expect(page).toHaveTitle(`(${unreadBefore + 2}) Confab`);

  await page.keyboard.press("Control+k");
  const filter = page.getByRole("searchbox", { name: "Filter conversations" }).or(page.getByRole("textbox", { name: "Filter conversations" }));
  await expect(filter).toBeFocused();
  await filter.fill(quiet);
  await expect(rows).toHaveCount(1);
  await rows.first().click();
  await expect(page.getByRole("log", { name: "Messages" }).getByText("second news")).toBeVisible();
  await expect(rows.first()).not.toContainText("unread");
  await expect(page).toHaveTitle(unreadBefore > 0 ? `(${unreadBefore}) Confab` : "Confab");
  await page.context().close();
});
