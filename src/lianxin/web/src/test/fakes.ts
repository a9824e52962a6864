// Test doubles: a scriptable WebSocket, manual timers and a client over scripted REST.
import { Api } from "../api";
import type { Client } from "../client";
import type { SocketLike, Timers } from "../connection";
import type { ServerFrame } from "../types";

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed: { code?: number } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  static last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1];
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number) {
    this.closed = { code };
    this.readyState = 3;
  }
  // server side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  recv(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  /** hello → welcome → sync(full, empty) → synced */
  handshake(extra: Record<string, unknown> = {}, me = { id: 1, name: "Me", handle: null, bio: null, phone: "+1", privacy: {} }) {
    this.open();
    this.recv({ t: "welcome", user: me.id, device: 1, session: "s", heartbeat_s: 25, idle_timeout_s: 75 });
    this.recv({ t: "sync", since: 1000, me, chats: [], friends: [], profiles: [], requests: [], hidden: [], presence: [], full: true, ...extra });
    this.recv({ t: "synced" });
  }
  frames(t: string) {
    return this.sent.filter((f) => f.t === t);
  }
}

export class ManualTimers implements Timers {
  time = 0;
  private seq = 1;
  private tasks = new Map<number, { at: number; fn: () => void; every?: number }>();
  setTimeout(fn: () => void, ms: number) {
    const id = this.seq++;
    this.tasks.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(id: unknown) {
    this.tasks.delete(id as number);
  }
  setInterval(fn: () => void, ms: number) {
    const id = this.seq++;
    this.tasks.set(id, { at: this.time + ms, fn, every: ms });
    return id;
  }
  clearInterval(id: unknown) {
    this.tasks.delete(id as number);
  }
  now() {
    return this.time;
  }
  pending(): number[] {
    return [...this.tasks.values()].map((t) => t.at - this.time);
  }
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.tasks.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      const [id, task] = next;
      this.time = task.at;
      if (task.every) task.at += task.every;
      else this.tasks.delete(id);
      task.fn();
    }
    this.time = end;
  }
}

/** A fake client whose REST answers come from `routes` ("METHOD path" -> [status, body]);
 * it records the calls and toasts, and `frame` pushes a server frame to its listener. */
export function fakeClient(routes: Record<string, [number, unknown]>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchImpl = async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    calls.push({ method, path: url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const [status, body] = routes[`${method} ${url}`] ?? [404, { code: "not_found", message: "" }];
    return new Response(JSON.stringify(body), { status });
  };
  let hook: (f: ServerFrame) => void = () => {};
  const toasts: string[] = [];
  const fake = {
    api: new Api("", "token", fetchImpl),
    onServerFrame: (fn: (f: ServerFrame) => void) => {
      hook = fn;
      return () => {};
    },
    store: { emit: () => {} },
    toast: (text: string) => toasts.push(text),
  };
  return { client: fake as unknown as Client, calls, toasts, frame: (f: ServerFrame) => hook(f) };
}
