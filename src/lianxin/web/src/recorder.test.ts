import { describe, expect, it } from "vitest";
import { IDLE, pickMime, step, VOICE_MAX_MS, type RecEvent, type RecState } from "./recorder";

const run = (events: RecEvent[], from: RecState = IDLE) => events.reduce(step, from);

describe("voice recorder state machine", () => {
  it("hold: press, granted, release sends", () => {
    const s = run([{ e: "press", mode: "hold" }, { e: "granted", now: 1000 }, { e: "tick", now: 3500 }, { e: "release" }]);
    expect(s).toEqual({ s: "finishing", send: true, elapsed: 2500 });
    expect(step(s, { e: "stopped" })).toEqual(IDLE);
  });
  it("hold: sliding far enough arms cancel, sliding back disarms", () => {
    const rec = run([{ e: "press", mode: "hold" }, { e: "granted", now: 0 }, { e: "tick", now: 2000 }]);
    const armed = step(rec, { e: "slide", dx: -120 });
    expect(armed).toMatchObject({ s: "recording", cancelArmed: true });
    expect(step(armed, { e: "release" })).toMatchObject({ s: "finishing", send: false });
    const back = step(armed, { e: "slide", dx: -10 });
    expect(step(back, { e: "release" })).toMatchObject({ s: "finishing", send: true });
  });
  it("toggle: click starts, click stops and sends; release does nothing", () => {
    const rec = run([{ e: "click" }, { e: "granted", now: 0 }, { e: "release" }, { e: "tick", now: 1500 }]);
    expect(rec).toMatchObject({ s: "recording", mode: "toggle", elapsed: 1500 });
    expect(step(rec, { e: "click" })).toEqual({ s: "finishing", send: true, elapsed: 1500 });
  });
  it("cancel throws the note away", () => {
    const rec = run([{ e: "click" }, { e: "granted", now: 0 }, { e: "tick", now: 5000 }, { e: "cancel" }]);
    expect(rec).toEqual({ s: "finishing", send: false, elapsed: 5000 });
    expect(step(rec, { e: "stopped" })).toEqual(IDLE);
  });
  it("stops by itself at the limit and sends", () => {
    const rec = run([{ e: "click" }, { e: "granted", now: 0 }, { e: "tick", now: VOICE_MAX_MS + 30 }]);
    expect(rec).toEqual({ s: "finishing", send: true, elapsed: VOICE_MAX_MS });
  });
  it("a note under half a second is too short", () => {
    const rec = run([{ e: "press", mode: "hold" }, { e: "granted", now: 0 }, { e: "tick", now: 200 }, { e: "release" }, { e: "stopped" }]);
    expect(rec).toEqual({ s: "idle", notice: "too_short" });
  });
  it("a hold released while asking for the microphone records nothing", () => {
    const s = run([{ e: "press", mode: "hold" }, { e: "release" }, { e: "granted", now: 0 }]);
    expect(s).toEqual({ s: "finishing", send: false, elapsed: 0 });
  });
  it("permission refused, no recorder, or a failure leaves a notice", () => {
    expect(run([{ e: "click" }, { e: "denied" }])).toEqual({ s: "idle", notice: "denied" });
    expect(run([{ e: "click" }, { e: "unsupported" }])).toEqual({ s: "idle", notice: "unsupported" });
    expect(run([{ e: "click" }, { e: "granted", now: 0 }, { e: "failed" }])).toEqual({ s: "idle", notice: "error" });
  });
  it("ignores events that do not apply", () => {
    expect(step(IDLE, { e: "release" })).toBe(IDLE);
    expect(step(IDLE, { e: "tick", now: 5 })).toBe(IDLE);
  });
  it("prefers Opus in WebM", () => {
    expect(pickMime(() => true)).toBe("audio/webm;codecs=opus");
    expect(pickMime((m) => m.startsWith("audio/ogg"))).toBe("audio/ogg;codecs=opus");
    expect(pickMime(() => false)).toBeNull();
  });
});
