import { api, expect, open, signedIn, test, unique } from "./fixtures";
import { demo, png } from "./harness";

test("an image upload previews on both sides at its stored size; a disallowed file shows the server's reason", async ({ browser, server }) => {
  const alice = await api(server, demo.alice);
  const id = await alice.group(unique("Pictures"), [demo.bob]);
  const a = await signedIn(browser, server, demo.alice);
  const b = await signedIn(browser, server, demo.bob);
  await open(a, id);
  await open(b, id);

  await a.getByLabel("Attach file").setInputFiles({ name: "sky.png", mimeType: "image/png", buffer: png(640, 480) });
  const composer = a.getByRole("textbox", { name: "Message" });
  await composer.fill("the sky today");
  await expect(a.getByRole("button", { name: "Send" })).toBeEnabled();
  await composer.press("Enter");

  for (const page of [a, b]) {
    const image = page.locator("article[data-seq]", { hasText: "the sky today" }).getByRole("img", { name: "sky.png" });
    await expect(image).toBeVisible();
    // 640×480 scaled into 320×240, known before the bytes arrive, so the timeline does not jump.
    await expect(image).toHaveAttribute("width", "320");
    await expect(image).toHaveAttribute("height", "240");
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
  }

  await a.getByLabel("Attach file").setInputFiles({ name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ\x90\x00 not really a program") });
  await expect(a.getByRole("alert").filter({ hasText: "That kind of file cannot be sent" })).toBeVisible();
  await a.context().close();
  await b.context().close();
});
