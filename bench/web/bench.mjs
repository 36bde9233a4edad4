// The web client's budgets, measured by hand: see bench/web/run for what each part measures.
import { spawn } from "node:child_process";
import { get } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { randomUUID } from "node:crypto";

const repo = resolve(import.meta.dirname, "../..");
const { chromium } = createRequire(join(repo, "web/package.json"))("playwright-core");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const minutes = option("--minutes", 30);
const longMessages = option("--messages", 100_000);
const partsAt = args.indexOf("--parts");
const parts = new Set(partsAt >= 0 ? args[partsAt + 1].split(",") : ["load", "list", "long", "memory"]);
const launch = {
  executablePath: process.env.CONFAB_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--enable-precise-memory-info"],
};
const users = {
  alice: { login: "alice", password: "alice-wonderland", id: "0190e7a0-0000-7000-8000-00000000a11c" },
  bob: { login: "bob", password: "bob-three-little-birds", id: "0190e7a0-0000-7000-8000-000000000b0b" },
  charlie: { login: "charlie", password: "charlie-bird-lives", id: "0190e7a0-0000-7000-8000-0000000c4a51" },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) => n.toFixed(digits);

// ---- the server -----------------------------------------------------------------------------------

const port = await new Promise((ok) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), "confab-bench-web-"));
const server = spawn(
  "dotnet",
  [process.env.CONFAB_DLL ?? join(repo, "src/Confab/bin/Release/net10.0/confab.dll"), "serve", "--demo", "--db", `sqlite:${join(dir, "c.db")}`, "--data-dir", join(dir, "data"), "--urls", base],
  {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CONFAB_AUTH__ATTEMPTSPERIPPERMINUTE: "10000", CONFAB_AUTH__SENDSPERUSERPERMINUTE: "100000" },
  },
);
const stopServer = () => {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", stopServer);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/readyz`)).ok) break;
  } catch {
    // starting
  }
  if (i > 400 || server.exitCode !== null) throw new Error("the server did not start");
  await new Promise((r) => setTimeout(r, 150));
}

/** A REST caller as the user; it signs in again when its access token has expired (they last 15 minutes). */
async function login(user) {
  let token = null;
  const signIn = async () => {
    const r = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ login: user.login, password: user.password }) });
    token = (await r.json()).accessToken;
  };
  await signIn();
  const call = async (method, path, payload, again = true) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(payload ? { "Content-Type": "application/json" } : {}) },
      body: payload ? JSON.stringify(payload) : null,
    });
    if (response.status === 401 && again) {
      await signIn();
      return call(method, path, payload, false);
    }
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };
  return call;
}

const browser = await chromium.launch(launch);
async function signedInPage(user, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ baseURL: base, viewport });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Username or e-mail").fill(user.login);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Conversations" }).waitFor();
  return page;
}

/** The bytes a response really takes on the wire, compressed as the server chose (fetch would decompress). */
function wireBytes(path) {
  return new Promise((ok, fail) => {
    get(`${base}${path}`, { headers: { "Accept-Encoding": "gzip, br" } }, (response) => {
      let n = 0;
      response.on("data", (chunk) => (n += chunk.length));
      response.on("end", () => ok(n));
    }).on("error", fail);
  });
}

// ---- 1. first load ------------------------------------------------------------------------------

if (parts.has("load")) {
  const html = readFileSync(join(repo, "src/Confab.Server/wwwroot/index.html"), "utf8");
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let raw = 0;
  let gzip = 0;
  let sent = 0;
  for (const asset of assets) {
    const bytes = readFileSync(join(repo, "src/Confab.Server/wwwroot", asset));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    sent += await wireBytes(asset);
  }
  const budget = 150 * 1024;
  console.log(`first load: ${assets.length} files, ${fmt(raw / 1024, 1)} KB raw, ${fmt(gzip / 1024, 1)} KB gzipped = ${fmt(gzip / budget, 3)} × the 150 KB budget`);
  console.log(`  as served by confab serve to a browser (Accept-Encoding: gzip, br): ${fmt(sent / 1024, 1)} KB on the wire = ${fmt(sent / budget, 3)} × the budget`);
}

// ---- 2. the list with 200 conversations ----------------------------------------------------------

if (parts.has("list")) {
  const alice = await login(users.alice);
  for (let i = 0; i < 200; i++) {
    const c = await alice("POST", "/api/v1/conversations", { kind: "group", title: `Bench group ${String(i).padStart(3, "0")}`, members: [users.bob.id] });
    await alice("POST", `/api/v1/conversations/${c.id}/messages`, { clientMsgId: randomUUID(), body: `opening message of group ${i}` });
  }
  const page = await signedInPage(users.alice);
  const runs = [];
  for (let i = 0; i < 7; i++) {
    await page.goto("/settings");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    const started = Date.now();
    await page.reload();
    // Painted: the rows are in the document and a frame has been drawn with them.
    await page.waitForFunction(() => document.querySelectorAll(".conversation-row").length >= 200);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const painted = Date.now() - started;
    const api = await page.evaluate(async () => {
      const session = JSON.parse(sessionStorage.getItem("confab.session") ?? localStorage.getItem("confab.session") ?? "{}");
      const t0 = performance.now();
      await (await fetch("/api/v1/conversations?limit=200", { headers: { Authorization: `Bearer ${session.accessToken}` } })).json();
      return performance.now() - t0;
    });
    const bare = Date.now();
    await page.goto("/healthz");
    const bareMs = Date.now() - bare;
    await page.goBack();
    runs.push({ painted, api, bareMs });
  }
  runs.shift(); // the first run warms the server's caches and the browser's
  const p = median(runs.map((r) => r.painted));
  const a = median(runs.map((r) => r.api));
  const b = median(runs.map((r) => r.bareMs));
  console.log(`list of 200 conversations painted after navigation: median ${p} ms over ${runs.length} runs = ${fmt(p / 1000, 3)} × the 1 s budget`);
  console.log(`  beside: its API request alone ${fmt(a)} ms (${fmt(p / Math.max(1, a), 1)}×), a bare page load (/healthz) ${b} ms (${fmt(p / Math.max(1, b), 1)}×)`);
  await page.context().close();
}

// ---- 3. a conversation of 100,000 messages --------------------------------------------------------

let longId;
if (parts.has("long")) {
  const alice = await login(users.alice);
  const bob = await login(users.bob);
  const c = await alice("POST", "/api/v1/conversations", { kind: "group", title: "The long one", members: [users.bob.id] });
  longId = c.id;
  const started = Date.now();
  let next = 0;
  const worker = async (send, who) => {
    for (;;) {
      const n = next++;
      if (n >= longMessages) return;
      await send("POST", `/api/v1/conversations/${longId}/messages`, { clientMsgId: randomUUID(), body: `${who} message ${n}: ${"lorem ipsum ".repeat(1 + (n % 6))}` });
    }
  };
  await Promise.all([worker(alice, "alice"), worker(bob, "bob"), worker(alice, "alice"), worker(bob, "bob"), worker(alice, "alice"), worker(bob, "bob")]);
  console.log(`long conversation: ${longMessages} messages stored over REST in ${fmt((Date.now() - started) / 1000, 1)} s`);

  const page = await signedInPage(users.alice);
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: "longtask", buffered: false });
  });
  const t0 = Date.now();
  await page.getByRole("link", { name: /The long one/ }).click();
  await page.locator("[role=log] article[data-seq]").first().waitFor();
  const opened = Date.now() - t0;
  const count = () => page.evaluate(() => ({ articles: document.querySelectorAll("[role=log] article").length, nodes: document.getElementsByTagName("*").length, first: Number(document.querySelector("[role=log] article[data-seq]")?.getAttribute("data-seq")) }));
  const start = await count();
  const pages = [];
  for (let i = 0; i < 60; i++) {
    const before = await count();
    await page.evaluate(() => (window.__longest = 0));
    const s = Date.now();
    await page.locator("[role=log]").evaluate((el) => (el.scrollTop = 0));
    await page.waitForFunction((first) => Number(document.querySelector("[role=log] article[data-seq]")?.getAttribute("data-seq")) < first, before.first, { timeout: 10_000 });
    const ms = Date.now() - s;
    const after = await count();
    pages.push({ ms, longest: await page.evaluate(() => window.__longest), ...after });
  }
  const reached = pages.at(-1);
  const restPage = await (async () => {
    const times = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      await alice("GET", `/api/v1/conversations/${longId}/messages?before=${50_000 - i * 50}&limit=50`);
      times.push(performance.now() - s);
    }
    return median(times);
  })();
  console.log(`  opened with one page in ${opened} ms (${start.articles} messages in the DOM)`);
  console.log(`  paged back ${pages.length} times to seq ${reached.first}: median ${median(pages.map((p) => p.ms))} ms per page, slowest ${Math.max(...pages.map((p) => p.ms))} ms; a REST page alone ${fmt(restPage, 1)} ms`);
  console.log(`  longest main-thread task while paging: ${fmt(Math.max(...pages.map((p) => p.longest)))} ms (a frame is 16.7 ms; above 50 ms is a long task)`);
  console.log(`  DOM: ${start.articles} → max ${Math.max(...pages.map((p) => p.articles))} messages, ${start.nodes} → max ${Math.max(...pages.map((p) => p.nodes))} elements after ${pages.length} pages (bounded: ${Math.max(...pages.map((p) => p.articles)) <= 400 ? "yes" : "no"})`);
  await page.context().close();
}

// ---- 4. memory over live traffic ----------------------------------------------------------------

if (parts.has("memory") && minutes > 0) {
  const charlie = await login(users.charlie);
  const alice = await login(users.alice);
  const c = await alice("POST", "/api/v1/conversations", { kind: "group", title: "Live traffic", members: [users.bob.id, users.charlie.id] });
  const other = await alice("POST", "/api/v1/conversations", { kind: "group", title: "Background traffic", members: [users.bob.id, users.charlie.id] });
  const page = await signedInPage(users.bob);
  await page.getByRole("link", { name: /Live traffic/ }).click();
  await page.locator("[role=log]").waitFor();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const sample = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { heap: get("JSHeapUsedSize") / 1024 / 1024, nodes: get("Nodes"), listeners: get("JSEventListeners") };
  };
  let sent = 0;
  let live = true;
  const traffic = (async () => {
    while (live) {
      // Two messages a second here, one elsewhere (badges, list reordering), with a reaction now and then.
      const m = await charlie("POST", `/api/v1/conversations/${c.id}/messages`, { clientMsgId: randomUUID(), body: `live ${sent}: ${"words ".repeat(1 + (sent % 12))}` });
      sent++;
      if (sent % 2 === 0) await charlie("POST", `/api/v1/conversations/${other.id}/messages`, { clientMsgId: randomUUID(), body: `elsewhere ${sent}` });
      if (sent % 10 === 0) await charlie("PUT", `/api/v1/conversations/${c.id}/messages/${m.id}/reactions/${encodeURIComponent("👍")}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const samples = [];
  const t0 = Date.now();
  samples.push({ minute: 0, ...(await sample()) });
  while (Date.now() - t0 < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, 60_000));
    samples.push({ minute: (Date.now() - t0) / 60_000, ...(await sample()) });
  }
  live = false;
  await traffic;
  for (const s of samples) console.log(`  memory at ${fmt(s.minute, 1)} min: heap ${fmt(s.heap, 2)} MB, ${s.nodes} DOM nodes, ${s.listeners} listeners`);
  const first = samples[1] ?? samples[0];
  const last = samples.at(-1);
  const half = samples.slice(Math.floor(samples.length / 2));
  const slope = half.length > 1 ? (half.at(-1).heap - half[0].heap) / Math.max(0.01, half.at(-1).minute - half[0].minute) : 0;
  console.log(`memory over ${minutes} min of live traffic (${sent} messages in the open conversation): heap ${fmt(first.heap, 2)} → ${fmt(last.heap, 2)} MB (${fmt(last.heap / first.heap, 2)}× the first minute), max ${fmt(Math.max(...samples.map((s) => s.heap)), 2)} MB; second-half slope ${fmt(slope * 1024, 1)} KB/min; DOM nodes ${first.nodes} → ${last.nodes}`);
  await page.context().close();
}

await browser.close();
stopServer();
process.exit(0);
