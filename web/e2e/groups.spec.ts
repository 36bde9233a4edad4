import { expect, open, signedIn, test, unique } from "./fixtures";
import { demo } from "./harness";

test("a group is created from the list, and its controls follow each member's role", async ({ browser, server }) => {
  const a = await signedIn(browser, server, demo.alice);
  const title = unique("Book club");
  await a.getByRole("button", { name: "New group" }).click();
  const create = a.getByRole("dialog", { name: "New group" });
  await create.getByLabel("Group name").fill(title);
  await create.getByLabel("Find a user by username").fill("bo");
  await create.getByRole("checkbox", { name: /Bob Marley/ }).check();
  await create.getByRole("button", { name: "Create group" }).click();
  await expect(a.getByRole("heading", { name: title })).toBeVisible();
  const id = /\/c\/([^/?]+)/.exec(a.url())![1]!;

  // Bob, a member, sees neither rename nor add nor role controls.
  const b = await signedIn(browser, server, demo.bob);
  await open(b, id);
  await b.getByRole("button", { name: "Conversation details" }).click();
  const bobPanel = b.getByRole("complementary", { name: "Conversation details" });
  await expect(bobPanel.getByRole("button", { name: "Leave conversation" })).toBeVisible();
  await expect(bobPanel.getByRole("button", { name: "Rename" })).toHaveCount(0);
  await expect(bobPanel.getByRole("button", { name: "Add members" })).toHaveCount(0);
  await expect(bobPanel.getByRole("combobox", { name: /Role of/ })).toHaveCount(0);

  // The owner renames the group and makes Bob an admin.
  await a.getByRole("button", { name: "Conversation details" }).click();
  const alicePanel = a.getByRole("complementary", { name: "Conversation details" });
  await alicePanel.getByLabel("Title").fill(`${title} (renamed)`);
  await alicePanel.getByRole("button", { name: "Rename" }).click();
  await expect(b.getByRole("heading", { name: `${title} (renamed)` })).toBeVisible();
  await alicePanel.getByRole("combobox", { name: "Role of Bob Marley" }).selectOption("admin");

  // Bob, now an admin, adds Charlie; Charlie's arrival shows on Alice's side.
  await b.reload();
  await b.getByRole("button", { name: "Conversation details" }).click();
  await bobPanel.getByRole("button", { name: "Add members" }).click();
  const add = b.getByRole("dialog", { name: "Add members" });
  await add.getByLabel("Find a user by username").fill("char");
  await add.getByRole("checkbox", { name: /Charlie Parker/ }).check();
  await add.getByRole("button", { name: "Add" }).click();
  await expect(alicePanel.getByText("@charlie")).toBeVisible();
  // An admin cannot touch the owner.
  await expect(bobPanel.getByRole("combobox", { name: "Role of Alice Liddell" })).toHaveCount(0);

  // Bob leaves: the group disappears from his list.
  await bobPanel.getByRole("button", { name: "Leave conversation" }).click();
  await b.getByRole("dialog").getByRole("button", { name: "Leave conversation" }).click();
  await expect(b.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: new RegExp(title) })).toHaveCount(0);
  await expect(alicePanel.getByText("@bob")).toHaveCount(0);
  await a.context().close();
  await b.context().close();
});
