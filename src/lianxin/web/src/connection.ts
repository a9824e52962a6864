// The realtime connection: hello + resume, request/response by `r`, heartbeat, and
// reconnection with backoff. Plain TS with injectable WebSocket and timers for tests.
import type { SyncState } from "./sync";
import type { ServerFrame } from "./types";

export type ConnStatus = "connecting" | "syncing" | "online" | "stopped";

export class FrameError extends Error {
  constructor(
    public code: string,
    message = "",
    public frame?: ServerFrame,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id as number),
  now: () => Date.now(),
};

export interface ConnectionOptions {
  url: string;
  token: string;
  sync: SyncState;
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: ConnStatus) => void;
  /** A socket closed or could not be made (a retry is scheduled unless stopped). */
  onClosed?: () => void;
  /** The server refused the token or signed this device out: do not reconnect. */
  onAuthLost?: (code: number) => void;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
  requestTimeoutMs?: number;
  /** How long a new socket may take to open and answer hello with welcome. */
  connectTimeoutMs?: number;
}

const OPEN = 1;
export const CLOSE_UNAUTHORIZED = 4001;
export const CLOSE_SIGNED_OUT = 4002;
/** A socket given up on: it did not open, the server did not welcome it, or the catch-up
 * went quiet before `synced`, in time. */
const CLOSE_STALLED = 1006;
/** Well above a connect under load (~0.1-1 s); a stalled attempt was otherwise never
 * retried (the server closes a hello-less socket only after 15 s). Until `synced` it is
 * the longest silence allowed: a long catch-up keeps sending pages, a stalled one does
 * not, and the device would otherwise say "syncing…" until the next heartbeat check. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Milliseconds to wait before reconnect attempt `attempt` (0-based): exponential, capped, jittered. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() * 0.5));
}

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: unknown;
}

export class Connection {
  status: ConnStatus = "connecting";
  welcome: ServerFrame | null = null;
  attempts = 0;
  private ws: SocketLike | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private heartbeat: unknown = null;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private lastRx = 0;
  private helloError = "";
  private stopped = false;
  private timers: Timers;
  private random: () => number;

  constructor(private opts: ConnectionOptions) {
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Close for good (sign-out, page teardown). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close(1000, "bye");
      } catch {
        /* already closed */
      }
    }
    this.failPending("network");
    this.setStatus("stopped");
  }

  /** Reconnect now (the browser says the network is back, the tab became visible...). */
  kick(): void {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState === OPEN) {
      this.ping();
      return;
    }
    if (this.retryTimer !== null) {
      this.timers.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.open();
    }
  }

  /** Drop the current socket and reconnect (e.g. the browser went offline). */
  drop(): void {
    if (this.ws) this.handleClose(1006);
  }

  get isOnline(): boolean {
    return this.status === "online";
  }

  /** Fire-and-forget; false when not connected. */
  send(frame: Record<string, unknown>): boolean {
    if (!this.ws || this.ws.readyState !== OPEN || !this.welcome) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Send with a fresh `r` and resolve with the reply carrying it (error frames reject). */
  request(frame: Record<string, unknown>, timeoutMs = this.opts.requestTimeoutMs ?? 15_000): Promise<ServerFrame> {
    const r = this.nextId++;
    return new Promise<ServerFrame>((resolve, reject) => {
      if (!this.send({ ...frame, r })) {
        reject(new FrameError("network", "not connected"));
        return;
      }
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(r);
        reject(new FrameError("timeout", "no answer"));
      }, timeoutMs);
      this.pending.set(r, { resolve, reject, timer });
    });
  }

  ping(): void {
    this.send({ t: "ping" });
  }

  // -- internals ------------------------------------------------------------------------

  private setStatus(status: ConnStatus): void {
    if (this.status !== status) {
      this.status = status;
      this.opts.onStatus?.(status);
    }
  }

  private open(): void {
    this.clearTimers();
    this.welcome = null;
    this.setStatus("connecting");
    let ws: SocketLike;
    try {
      ws = this.opts.createSocket
        ? this.opts.createSocket(this.opts.url)
        : (new WebSocket(this.opts.url) as unknown as SocketLike);
    } catch {
      this.scheduleRetry();
      this.opts.onClosed?.();
      return;
    }
    this.ws = ws;
    this.armConnectTimer(ws);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      ws.send(JSON.stringify(this.opts.sync.hello(this.opts.token)));
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastRx = this.timers.now();
      if (this.connectTimer !== null) this.armConnectTimer(ws); // still catching up: not silent
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      this.handleFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.handleClose(ev.code);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private handleFrame(frame: ServerFrame): void {
    if (this.opts.sync.note(frame)) this.opts.sync.save();
    if (frame.t === "welcome") {
      this.welcome = frame;
      this.setStatus("syncing");
      const every = Math.max(5, Number(frame.heartbeat_s) || 25) * 1000;
      const idle = Math.max(every * 2, (Number(frame.idle_timeout_s) || 75) * 1000);
      this.heartbeat = this.timers.setInterval(() => {
        if (this.timers.now() - this.lastRx > idle) {
          this.drop(); // silent for too long: the socket is dead even if it looks open
          return;
        }
        this.ping();
      }, every);
    } else if (frame.t === "synced") {
      this.clearConnectTimer();
      this.attempts = 0;
      this.setStatus("online");
    } else if (frame.t === "error" && !this.welcome) {
      // Refused hello: only a refused token ends the session; anything else is retried.
      this.helloError = String(frame.code ?? "");
    }
    const r = frame.r;
    if (typeof r === "number" && this.pending.has(r)) {
      const p = this.pending.get(r)!;
      this.pending.delete(r);
      this.timers.clearTimeout(p.timer);
      if (frame.t === "error") p.reject(new FrameError(String(frame.code ?? "unknown"), String(frame.message ?? ""), frame));
      else p.resolve(frame);
      if (frame.t !== "sync" && frame.t !== "synced") return;
    }
    this.opts.onFrame(frame);
  }

  private handleClose(code: number): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close();
      } catch {
        /* ignore */
      }
    }
    this.clearTimers();
    this.welcome = null;
    this.failPending("network");
    const refused = this.helloError;
    this.helloError = "";
    // 4001 ends the session only with the server's "unauthorized" answer to hello: a bare
    // 4001 means it never got the hello in time (a stalled connect), which is retried.
    if (code === CLOSE_SIGNED_OUT || (code === CLOSE_UNAUTHORIZED && refused === "unauthorized")) {
      this.stopped = true;
      this.setStatus("stopped");
      this.opts.onAuthLost?.(code);
      return;
    }
    if (!this.stopped) this.scheduleRetry();
    this.opts.onClosed?.();
  }

  private scheduleRetry(): void {
    this.setStatus("connecting");
    const delay = backoffDelay(this.attempts++, this.random);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
  }

  private failPending(code: string): void {
    for (const p of this.pending.values()) {
      this.timers.clearTimeout(p.timer);
      p.reject(new FrameError(code, "connection closed"));
    }
    this.pending.clear();
  }

  /** Give up on `ws` after CONNECT_TIMEOUT_MS without a frame, until it is synced. */
  private armConnectTimer(ws: SocketLike): void {
    this.clearConnectTimer();
    this.connectTimer = this.timers.setTimeout(() => {
      this.connectTimer = null;
      if (this.ws === ws) this.handleClose(CLOSE_STALLED);
    }, this.opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) this.timers.clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private clearTimers(): void {
    if (this.heartbeat !== null) this.timers.clearInterval(this.heartbeat);
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.heartbeat = null;
    this.retryTimer = null;
    this.clearConnectTimer();
  }
}
