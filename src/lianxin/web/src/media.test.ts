import { describe, expect, it } from "vitest";
import { barCount, fitBox, formatDuration, formatSize, kindOf, messageData, UploadQueue, urlsFresh, waveformBars, type MediaObject, type UploadItem } from "./media";

describe("waveformBars", () => {
  it("scales to the loudest peak and keeps a minimum height", () => {
    expect(waveformBars([0, 128, 255, 64], 4)).toEqual([0.1, 0.5, 1, 0.25]);
  });
  it("takes the peak of each span when shrinking", () => {
    const wave = [0, 0, 200, 0, 0, 0, 0, 100];
    expect(waveformBars(wave, 4)).toEqual([0.1, 1, 0.1, 0.5]);
  });
  it("repeats samples when stretching", () => {
    expect(waveformBars([255, 0], 4)).toEqual([1, 1, 0.1, 0.1]);
  });
  it("draws a flat line without a waveform, and nothing for no bars", () => {
    expect(waveformBars(null, 3)).toEqual([0.15, 0.15, 0.15]);
    expect(waveformBars([], 2)).toEqual([0.15, 0.15]);
    expect(waveformBars([1, 2], 0)).toEqual([]);
  });
  it("treats silence and junk without dividing by zero", () => {
    expect(waveformBars([0, 0, Number.NaN], 3)).toEqual([0.1, 0.1, 0.1]);
  });
  it("gives longer notes more bars, within limits", () => {
    expect(barCount(1000)).toBe(16);
    expect(barCount(20_000)).toBe(32);
    expect(barCount(60_000)).toBe(40);
    expect(barCount(null)).toBe(16);
  });
});

describe("fitBox", () => {
  it("keeps the shape inside the max", () => {
    expect(fitBox(1000, 500)).toEqual({ width: 240, height: 120 });
    expect(fitBox(500, 1000)).toEqual({ width: 120, height: 240 });
  });
  it("does not enlarge small photos and never goes below min", () => {
    expect(fitBox(100, 80)).toEqual({ width: 100, height: 80 });
    expect(fitBox(2400, 10)).toEqual({ width: 240, height: 60 });
  });
  it("has a sane box without dimensions", () => {
    expect(fitBox(null, undefined)).toEqual({ width: 240, height: 180 });
  });
});

describe("formatting", () => {
  it("reads durations", () => {
    expect(formatDuration(7_400)).toBe("0:07");
    expect(formatDuration(65_000)).toBe("1:05");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("0:00");
  });
  it("reads sizes", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1230)).toBe("1.2 KB");
    expect(formatSize(34 * 1024 * 1024)).toBe("34 MB");
    expect(formatSize(1.5 * 1024 ** 3)).toBe("1.5 GB");
  });
  it("sends only what the server processes as photo or video", () => {
    expect(kindOf({ type: "image/png", name: "a.png" })).toBe("photo");
    expect(kindOf({ type: "image/svg+xml", name: "a.svg" })).toBe("file");
    expect(kindOf({ type: "video/mp4", name: "a.mp4" })).toBe("video");
    expect(kindOf({ type: "", name: "notes.txt" })).toBe("file");
  });
  it("knows when signed URLs run out", () => {
    expect(urlsFresh({ expires_at: 1000 }, 900_000)).toBe(true);
    expect(urlsFresh({ expires_at: 1000 }, 950_000)).toBe(false);
    expect(urlsFresh(undefined, 0)).toBe(false);
  });
  it("builds message data like the server, and only the safe subset for view-once", () => {
    const obj: MediaObject = { id: 5, kind: "photo", mime: "image/png", size: 10, width: 4, height: 3, variants: ["thumb"], urls: { content: "x" } };
    expect(messageData(obj)).toEqual({ media: 5, mime: "image/png", size: 10, width: 4, height: 3, variants: ["thumb"] });
    expect(messageData(obj, true)).toEqual({ media: 5, mime: "image/png", width: 4, height: 3, view_once: true });
  });
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("UploadQueue", () => {
  const blob = (n: number) => new Blob([new Uint8Array(n)]);

  it("uploads one at a time in order, reports progress, hands finished ones on", async () => {
    const calls: { item: UploadItem; progress: (n: number) => void; done: ReturnType<typeof deferred<MediaObject>> }[] = [];
    const sent: string[] = [];
    const q = new UploadQueue(
      (item, progress) => {
        const done = deferred<MediaObject>();
        calls.push({ item, progress, done });
        return done.promise;
      },
      (item, obj) => sent.push(`${item.name}:${obj.id}`),
    );
    q.add({ chat: 1, kind: "photo", file: blob(100), name: "a" });
    q.add({ chat: 1, kind: "file", file: blob(50), name: "b" });
    expect(calls.length).toBe(1);
    expect(q.forChat(1).map((i) => i.status)).toEqual(["uploading", "waiting"]);
    calls[0].progress(40);
    expect(UploadQueue.progress(q.forChat(1)[0])).toBe(0.4);
    calls[0].done.resolve({ id: 7, kind: "photo" });
    await tick();
    expect(sent).toEqual(["a:7"]);
    expect(calls.length).toBe(2);
    calls[1].done.resolve({ id: 8, kind: "file" });
    await tick();
    expect(sent).toEqual(["a:7", "b:8"]);
    expect(q.all()).toEqual([]);
  });

  it("marks a failure with its code, goes on with the next, and retries on request", async () => {
    let n = 0;
    const sent: string[] = [];
    const q = new UploadQueue(
      async (item) => {
        n++;
        if (item.name === "bad" && n === 1) throw { code: "network" };
        return { id: n, kind: "photo" };
      },
      (item) => sent.push(item.name),
    );
    const bad = q.add({ chat: 1, kind: "photo", file: blob(1), name: "bad" });
    q.add({ chat: 1, kind: "photo", file: blob(1), name: "good" });
    await tick();
    await tick();
    expect(sent).toEqual(["good"]);
    expect(q.forChat(1)).toMatchObject([{ name: "bad", status: "failed", error: "network" }]);
    q.retry(bad.id);
    await tick();
    await tick();
    expect(sent).toEqual(["good", "bad"]);
  });

  it("cancel aborts the running upload and never sends it", async () => {
    const sent: string[] = [];
    let aborted = false;
    const q = new UploadQueue(
      (_item, _p, signal) =>
        new Promise((_res, rej) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            rej({ code: "aborted" });
          });
        }),
      (item) => sent.push(item.name),
    );
    const a = q.add({ chat: 2, kind: "video", file: blob(10), name: "v" });
    q.cancel(a.id);
    await tick();
    expect(aborted).toBe(true);
    expect(sent).toEqual([]);
    expect(q.all()).toEqual([]);
  });
});
