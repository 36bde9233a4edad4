import { randomUUID } from "node:crypto";
import { ApiClient, ConfabServer, demo } from "./harness";
import { bodies, expect, open, signedIn, test, unique } from "./fixtures";

test("a server killed and restarted while a third person sends: both browsers end with every message once, in order, without a reload", async ({ browser, engine }) => {
  test.setTimeout(120_000);
  const server = new ConfabServer(engine);
  await server.start();
  try {
    const alice = await ApiClient.signIn(server.url, demo.alice);
    const id = await alice.group(unique("Restart"), [demo.bob, demo.charlie]);
    const a = await signedIn(browser, server, demo.alice);
    const b = await signedIn(browser, server, demo.bob);
    await open(a, id);
    await open(b, id);

    const expected = Array.from({ length: 24 }, (_, i) => `restart message ${String(i + 1).padStart(2, "0")}`);
    const charlie = await ApiClient.signIn(server.url, demo.charlie);
    // Each message keeps its clientMsgId across retries, so a send the crash cut off is never doubled.
    const sendUntilStored = async (body: string) => {
      const clientMsgId = randomUUID();
      for (let attempt = 0; ; attempt++) {
        try {
          await charlie.send(id, body, clientMsgId);
          return;
        } catch {
          if (attempt > 200) throw new Error(`could not send ${body}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };

    for (const body of expected.slice(0, 8)) await sendUntilStored(body);
    await expect(b.locator("article[data-seq]", { hasText: expected[7]! })).toBeVisible();

    // The crash: no graceful close, the sockets just die. Sends go on and fail until it is back.
    await server.kill();
    const sending = (async () => {
      for (const body of expected.slice(8)) await sendUntilStored(body);
    })();
    await new Promise((r) => setTimeout(r, 1_500));
    await expect(a.getByRole("alert", { name: "Offline" })).toBeVisible();
    await server.start();
    await sending;

    for (const page of [a, b]) {
      await expect(page.locator("article[data-seq]", { hasText: expected.at(-1)! })).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole("alert", { name: "Offline" })).toBeHidden();
      expect(await bodies(page)).toEqual(expected);
      const seqs = await page.locator("[role=log] article[data-seq]").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    await a.context().close();
    await b.context().close();
  } finally {
    await server.dispose();
  }
});
