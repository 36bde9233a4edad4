import { api, expect, signedIn, test } from "./fixtures";
import { demo } from "./harness";

test("a session revoked elsewhere sends that browser back to sign-in within a second", async ({ browser, server }) => {
  const page = await signedIn(browser, server, demo.diana);
  const diana = await api(server, demo.diana);
  const sessions = await diana.json<{ id: string; current: boolean; deviceName: string | null }[]>("GET", "/api/v1/me/sessions");
  const browserSession = await page.evaluate(() => {
    for (const store of [sessionStorage, localStorage]) {
      for (let i = 0; i < store.length; i++) {
        const value = store.getItem(store.key(i)!);
        if (value?.includes("sessionId")) return (JSON.parse(value) as { sessionId: string }).sessionId;
      }
    }
    return null;
  });
  expect(sessions.some((s) => s.id === browserSession)).toBe(true);

  const r = await diana.request("DELETE", `/api/v1/me/sessions/${browserSession}`);
  expect(r.status).toBe(204);
  // From the moment the revocation is stored.
  const started = Date.now();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible({ timeout: 1_000 });
  expect(Date.now() - started).toBeLessThan(1_000);
  await expect(page).toHaveURL(/\/signin/);
  await page.context().close();
});
