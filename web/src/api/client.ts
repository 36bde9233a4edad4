import type { AuthResult, ProblemDetails } from "./types";
import { clearSession, loadSession, saveSession, type StoredSession } from "../session";
import { errorSentence } from "../strings";

/** A refusal from the server: its HTTP status, its stable code and a sentence a person can read. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: Record<string, string[]>;
  readonly retryAfterMs: number | null;

  constructor(status: number, code: string, message: string, fieldErrors: Record<string, string[]> = {}, retryAfterMs: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.retryAfterMs = retryAfterMs;
  }
}

const sessionEndingCodes = new Set(["invalid_refresh_token", "refresh_token_reused", "account_disabled"]);

function toError(status: number, problem: ProblemDetails | null, retryAfter: string | null): ApiError {
  const code = problem?.code ?? (status === 0 ? "network_error" : `http_${status}`);
  const fields = problem?.errors ?? {};
  const retry = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : null;
  return new ApiError(status, code, errorSentence(code, problem?.title ?? null, fields), fields, retry);
}

async function readProblem(response: Response): Promise<ProblemDetails | null> {
  try {
    return (await response.json()) as ProblemDetails;
  } catch {
    return null;
  }
}

type Listener = () => void;

/**
 * The REST client. It holds the session, sends the bearer token, refreshes it a minute before it
 * expires (one refresh at a time, across tabs too: a refresh token presented twice ends the session),
 * and reports a session that ended so the app can return to sign-in.
 */
export class Api {
  private session: StoredSession | null = loadSession();
  private refreshing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly ended = new Set<Listener>();

  constructor() {
    this.schedule();
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  get sessionId(): string | null {
    return this.session?.sessionId ?? null;
  }

  /** The access token, refreshed first when it is about to expire. */
  async token(): Promise<string> {
    if (!this.session) throw new ApiError(401, "unauthenticated", errorSentence("unauthenticated", null, {}));
    if (Date.parse(this.session.accessExpiresAt) - Date.now() < 30_000) await this.refresh();
    if (!this.session) throw new ApiError(401, "unauthenticated", errorSentence("unauthenticated", null, {}));
    return this.session.accessToken;
  }

  onSessionEnded(listener: Listener): () => void {
    this.ended.add(listener);
    return () => this.ended.delete(listener);
  }

  /** Takes the session another tab wrote (a rotation) or its sign-out. */
  adopt(session: StoredSession | null): void {
    if (!session) {
      if (this.session) this.end();
      return;
    }
    this.session = session;
    this.schedule();
  }

  start(result: AuthResult, persistent: boolean): void {
    this.session = {
      sessionId: result.sessionId,
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      accessExpiresAt: result.accessExpiresAt,
      refreshExpiresAt: result.refreshExpiresAt,
      persistent,
    };
    saveSession(this.session);
    this.schedule();
  }

  /** Forgets the session locally and tells the listeners (sign-in follows). */
  end(): void {
    this.session = null;
    clearSession();
    clearTimeout(this.timer);
    for (const listener of [...this.ended]) listener();
  }

  async signOut(): Promise<void> {
    try {
      if (this.session) await this.send("POST", "/api/v1/auth/logout");
    } catch {
      // The local session goes either way.
    }
    this.end();
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const held = this.session;
    if (!held) return;
    const run = async () => {
      // Another tab may have rotated the pair while this one waited for the lock: take its result.
      const stored = loadSession();
      if (stored && stored.sessionId === held.sessionId && stored.refreshToken !== held.refreshToken) {
        this.session = stored;
        this.schedule();
        return;
      }
      let response: Response;
      try {
        response = await fetch("/api/v1/auth/refresh", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refreshToken: held.refreshToken }),
        });
      } catch {
        throw toError(0, null, null);
      }
      if (!response.ok) {
        const error = toError(response.status, await readProblem(response), response.headers.get("Retry-After"));
        if (response.status === 401 || sessionEndingCodes.has(error.code)) this.end();
        throw error;
      }
      const result = (await response.json()) as AuthResult;
      if (this.session?.sessionId !== held.sessionId) return;
      this.start(result, held.persistent);
    };
    if (typeof navigator !== "undefined" && navigator.locks) {
      await navigator.locks.request("confab.refresh", run);
    } else {
      await run();
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.session) return;
    const due = Date.parse(this.session.accessExpiresAt) - Date.now() - 60_000;
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        // A failed refresh that did not end the session is tried again at the next request.
      });
    }, Math.max(1_000, due));
  }

  get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("PUT", path, body);
  }

  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("PATCH", path, body);
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("DELETE", path, body);
  }

  /** Sends one request; a 401 on a live session is answered by one refresh and one retry. */
  async send<T>(method: string, path: string, body?: unknown, authenticated = true, retried = false): Promise<T> {
    const headers: Record<string, string> = {};
    if (authenticated) headers.Authorization = `Bearer ${await this.token()}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch {
      throw toError(0, null, null);
    }
    if (response.status === 401 && authenticated && !retried && this.session) {
      await this.refresh();
      return this.send<T>(method, path, body, authenticated, true);
    }
    if (!response.ok) {
      const error = toError(response.status, await readProblem(response), response.headers.get("Retry-After"));
      if (response.status === 401 && authenticated) this.end();
      else if (error.code === "account_disabled") this.end();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sign-in and registration: no token yet. */
  async authenticate(path: string, body: unknown, persistent: boolean): Promise<AuthResult> {
    const result = await this.send<AuthResult>("POST", path, body, false);
    this.start(result, persistent);
    return result;
  }

  /** Fetches an attachment's bytes with the token (an <img src> cannot carry one) as an object URL. */
  async blobUrl(path: string): Promise<string> {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${await this.token()}` } });
    if (!response.ok) throw toError(response.status, await readProblem(response), null);
    return URL.createObjectURL(await response.blob());
  }

  /** Uploads a file with progress (fetch cannot report upload progress; XHR can). */
  async upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void, signal?: AbortSignal, method: "POST" | "PUT" = "POST"): Promise<T> {
    const token = await this.token();
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, path);
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          parsed = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as T);
        else reject(toError(xhr.status, parsed as ProblemDetails | null, xhr.getResponseHeader("Retry-After")));
      };
      xhr.onerror = () => reject(toError(0, null, null));
      xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled."));
      signal?.addEventListener("abort", () => xhr.abort());
      xhr.send(form);
    });
  }
}

export const api = new Api();
