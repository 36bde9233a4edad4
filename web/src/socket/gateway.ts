// The one WebSocket to the server (docs/protocol.md): hello with the cursors held, ready, frames; a
// ping every 20 s and a connection silent for 45 s counted dead; reconnect with back-off and jitter, or
// after the delay a `reconnect` frame names; a session that ended (close 4003) goes back to sign-in.

import { reconnectDelay } from "./backoff";

export type ConnectionState = "connecting" | "ready" | "offline";

export interface ServerFrame {
  type: string;
  [field: string]: unknown;
}

export interface GatewayHooks {
  /** The access token for the hello (refreshed when near expiry). */
  token(): Promise<string>;
  /** Asks for a new access token after the server refused the one given. */
  refresh(): Promise<void>;
  /** What the hello names: cursors per conversation and the user-stream seq. */
  resumeState(): { cursors: Record<string, number>; userSeq: number | null };
  onReady(frame: ServerFrame): void;
  onFrame(frame: ServerFrame): void;
  onState(state: ConnectionState): void;
  onSessionEnded(): void;
}

const pingEveryMs = 20_000;
const silentLimitMs = 45_000;

export class Gateway {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private nextDelayMs: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private running = false;
  private ready = false;
  private stateValue: ConnectionState = "offline";
  private readonly hooks: GatewayHooks;
  private readonly url: string;

  constructor(hooks: GatewayHooks, url = defaultUrl()) {
    this.hooks = hooks;
    this.url = url;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.setState("offline");
  }

  /** Sends a frame if the socket is ready; false when it is not (the caller keeps it for later). */
  send(frame: Record<string, unknown>): boolean {
    if (!this.ready || !this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.hooks.onState(state);
  }

  private readonly onOnline = () => {
    if (this.running && !this.socket) {
      clearTimeout(this.retryTimer);
      this.attempt = 0;
      void this.connect();
    }
  };

  private readonly onOffline = () => {
    this.socket?.close(4000);
  };

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.setState("connecting");
    let token: string;
    try {
      token = await this.hooks.token();
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (!this.running) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.ready = false;
    socket.onopen = () => {
      const { cursors, userSeq } = this.hooks.resumeState();
      const hello: Record<string, unknown> = { type: "hello", token, cursors };
      if (userSeq !== null) hello.userSeq = userSeq;
      socket.send(JSON.stringify(hello));
      this.lastFrameAt = Date.now();
    };
    socket.onmessage = (e) => {
      if (socket !== this.socket) return;
      this.lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(e.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === "ready") {
        this.ready = true;
        this.attempt = 0;
        this.nextDelayMs = null;
        this.startPing(socket);
        this.setState("ready");
        this.hooks.onReady(frame);
        return;
      }
      if (frame.type === "reconnect" && typeof frame.retryAfterMs === "number") {
        this.nextDelayMs = frame.retryAfterMs;
        return;
      }
      if (frame.type === "error" && frame.code === "session_revoked") {
        this.end();
        return;
      }
      this.hooks.onFrame(frame);
    };
    socket.onclose = (e) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.ready = false;
      clearInterval(this.pingTimer);
      if (!this.running) return;
      if (e.code === 4003) {
        this.end();
        return;
      }
      this.setState("offline");
      if (e.code === 4001) {
        // The token was refused at the hello: get a new one first; a refresh that fails ends the session.
        this.hooks.refresh().then(
          () => this.scheduleReconnect(),
          () => this.scheduleReconnect(),
        );
        return;
      }
      this.scheduleReconnect();
    };
  }

  private end(): void {
    this.stop();
    this.hooks.onSessionEnded();
  }

  private startPing(socket: WebSocket): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket) return;
      if (Date.now() - this.lastFrameAt > silentLimitMs) {
        // A dead peer: no pong, no frames. Close it here; onclose reconnects.
        socket.close(4000);
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, pingEveryMs);
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const delay = this.nextDelayMs ?? reconnectDelay(this.attempt);
    this.nextDelayMs = null;
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}

function defaultUrl(): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws`;
}
