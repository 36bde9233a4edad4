// Runs a real confab server for the browser tests and talks to its REST API as the tests' third party.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";

export type Engine = "sqlite" | "postgres";

export const demo = {
  alice: { login: "alice", password: "alice-wonderland", name: "Alice Liddell", id: "0190e7a0-0000-7000-8000-00000000a11c" },
  bob: { login: "bob", password: "bob-three-little-birds", name: "Bob Marley", id: "0190e7a0-0000-7000-8000-000000000b0b" },
  charlie: { login: "charlie", password: "charlie-bird-lives", name: "Charlie Parker", id: "0190e7a0-0000-7000-8000-0000000c4a51" },
  diana: { login: "diana", password: "diana-supremes-1964", name: "Diana Ross", id: "0190e7a0-0000-7000-8000-0000000d1a4a" },
} as const;
export type DemoUser = (typeof demo)[keyof typeof demo];

const repo = resolve(import.meta.dirname, "../..");
const dll = process.env.CONFAB_DLL ?? join(repo, "src/Confab/bin/Release/net10.0/confab.dll");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? ok(address.port) : fail(new Error("no port"))));
    });
  });
}

function postgresDatabase(name: string): string {
  const admin = process.env.CONFAB_TEST_PG;
  if (!admin) throw new Error("CONFAB_TEST_PG is not set; scripts/test starts a PostgreSQL and sets it");
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One confab serve process with its own database and data directory; it can be killed and started again on the same port. */
export class ConfabServer {
  readonly dir = mkdtempSync(join(tmpdir(), "confab-e2e-"));
  readonly db: string;
  port = 0;
  private process: ChildProcess | null = null;
  private log: string[] = [];

  constructor(readonly engine: Engine) {
    if (!existsSync(dll)) throw new Error(`${dll} is missing; build the server first (dotnet build -c Release)`);
    this.db = engine === "sqlite" ? `sqlite:${join(this.dir, "confab.db")}` : postgresDatabase(`e2e_${randomUUID().replaceAll("-", "").slice(0, 16)}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn("dotnet", [dll, "serve", "--demo", "--db", this.db, "--data-dir", join(this.dir, "data"), "--urls", this.url], {
      cwd: this.dir,
      env: {
        ...process.env,
        DOTNET_NOLOGO: "1",
        CONFAB_AUTH__ATTEMPTSPERIPPERMINUTE: "10000",
        CONFAB_AUTH__SENDSPERUSERPERMINUTE: "10000",
        CONFAB_AUTH__UPLOADSPERUSERPERMINUTE: "1000",
        CONFAB_AUTH__PASSWORDCHECKSPERUSERPERMINUTE: "1000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.log.push(chunk.toString());
      if (this.log.length > 400) this.log.splice(0, 200);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.process = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`confab serve exited with ${child.exitCode}:\n${this.output()}`);
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`confab serve did not become ready:\n${this.output()}`);
  }

  /** Ends the process at once, as a crash would (no graceful shutdown). */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    this.process = null;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.process = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  output(): string {
    return this.log.join("").slice(-6000);
  }
}

/** A signed-in REST client, for the side of a test that is not a browser. */
export class ApiClient {
  private constructor(
    readonly base: string,
    readonly token: string,
    readonly sessionId: string,
    readonly userId: string,
  ) {}

  static async signIn(base: string, user: DemoUser): Promise<ApiClient> {
    const r = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: user.login, password: user.password, deviceName: "e2e" }),
    });
    if (!r.ok) throw new Error(`login of ${user.login} failed: ${r.status} ${await r.text()}`);
    const body = (await r.json()) as { accessToken: string; sessionId: string; user: { id: string } };
    return new ApiClient(base, body.accessToken, body.sessionId, body.user.id);
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (r.status === 204 ? undefined : await r.json()) as T;
  }

  /** A new group of the caller and the given users, with a title unique to the test. */
  async group(title: string, members: DemoUser[]): Promise<string> {
    const c = await this.json<{ id: string }>("POST", "/api/v1/conversations", { kind: "group", title, members: members.map((m) => m.id) });
    return c.id;
  }

  async send(conversationId: string, body: string, clientMsgId: string = randomUUID(), replyTo?: string): Promise<{ id: string; seq: number }> {
    return this.json("POST", `/api/v1/conversations/${conversationId}/messages`, { clientMsgId, body, replyTo });
  }
}

/** A real PNG of the given size (solid colour), so the server can read its dimensions. */
export function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([40, 120, 200], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
