// A tiny key-value interface over localStorage, replaceable by a Map in tests.
export interface KV {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class MemoryKV implements KV {
  data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

export function browserKV(): KV {
  try {
    if (typeof localStorage !== "undefined") {
      const probe = "lx.probe";
      localStorage.setItem(probe, "1");
      localStorage.removeItem(probe);
      return localStorage;
    }
  } catch {
    // private mode / disabled storage: fall through
  }
  return new MemoryKV();
}

export function readJSON<T>(kv: KV, key: string, fallback: T): T {
  const raw = kv.getItem(key);
  if (raw == null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

export function writeJSON(kv: KV, key: string, value: unknown): void {
  try {
    kv.setItem(key, JSON.stringify(value));
  } catch {
    // quota exceeded: the cache is an optimisation, the server has the truth
  }
}
