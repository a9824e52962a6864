// Voice-note recording: a pure state machine (tested) and a thin MediaRecorder wrapper.
//
// Touch: press and hold records, release sends, sliding the finger away arms "release to cancel".
// Mouse/keyboard: a click starts, a second click stops and sends, Esc / the cancel button cancels.
// A note stops by itself at the limit (60 s, the server's) and is sent; shorter than 0.5 s is dropped.

export const VOICE_MAX_MS = 60_000;
export const VOICE_MIN_MS = 500;
export const SLIDE_CANCEL_PX = 80;

export type RecMode = "hold" | "toggle";

export type RecState =
  | { s: "idle"; notice?: "too_short" | "denied" | "unsupported" | "error" }
  | { s: "asking"; mode: RecMode; released: boolean }
  | { s: "recording"; mode: RecMode; started: number; elapsed: number; cancelArmed: boolean }
  | { s: "finishing"; send: boolean; elapsed: number };

export type RecEvent =
  | { e: "press"; mode: RecMode }
  | { e: "granted"; now: number }
  | { e: "denied" }
  | { e: "unsupported" }
  | { e: "failed" }
  | { e: "tick"; now: number }
  | { e: "slide"; dx: number }
  | { e: "release" }
  | { e: "click" }
  | { e: "cancel" }
  | { e: "stopped" };

export const IDLE: RecState = { s: "idle" };

/** The next state; anything that does not apply in a state leaves it unchanged. */
export function step(state: RecState, ev: RecEvent): RecState {
  switch (state.s) {
    case "idle":
      if (ev.e === "press") return { s: "asking", mode: ev.mode, released: false };
      if (ev.e === "click") return { s: "asking", mode: "toggle", released: false };
      return state;
    case "asking":
      if (ev.e === "granted") {
        // A hold released (or a cancel) while the permission prompt was up records nothing.
        if (state.released) return { s: "finishing", send: false, elapsed: 0 };
        return { s: "recording", mode: state.mode, started: ev.now, elapsed: 0, cancelArmed: false };
      }
      if (ev.e === "denied") return { s: "idle", notice: "denied" };
      if (ev.e === "unsupported") return { s: "idle", notice: "unsupported" };
      if (ev.e === "failed") return { s: "idle", notice: "error" };
      if (ev.e === "cancel" || (ev.e === "release" && state.mode === "hold")) return { ...state, released: true };
      return state;
    case "recording": {
      if (ev.e === "tick") {
        const elapsed = Math.max(0, ev.now - state.started);
        if (elapsed >= VOICE_MAX_MS) return { s: "finishing", send: true, elapsed: VOICE_MAX_MS };
        return { ...state, elapsed };
      }
      if (ev.e === "slide" && state.mode === "hold") return { ...state, cancelArmed: ev.dx <= -SLIDE_CANCEL_PX };
      if (ev.e === "release" && state.mode === "hold") return finish(state, !state.cancelArmed);
      if (ev.e === "click" && state.mode === "toggle") return finish(state, true);
      if (ev.e === "cancel") return { s: "finishing", send: false, elapsed: state.elapsed };
      if (ev.e === "failed") return { s: "idle", notice: "error" };
      return state;
    }
    case "finishing":
      if (ev.e === "stopped") {
        if (state.send && state.elapsed < VOICE_MIN_MS) return { s: "idle", notice: "too_short" };
        return IDLE;
      }
      return state;
  }
}

function finish(state: { elapsed: number }, send: boolean): RecState {
  return { s: "finishing", send, elapsed: state.elapsed };
}

/** The container/codec to ask MediaRecorder for: Opus in WebM (what the server expects), else Ogg. */
export function pickMime(isSupported: (m: string) => boolean): string | null {
  for (const m of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"]) if (isSupported(m)) return m;
  return null;
}

export interface Recording {
  blob: Blob;
  durationMs: number;
}

/**
 * Drives MediaRecorder by the state machine: `dispatch` events, `onChange` sees every state,
 * `onDone` gets a recording worth sending.
 */
export class VoiceRecorder {
  state: RecState = IDLE;
  private rec: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  private chunks: Blob[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private onChange: (s: RecState) => void,
    private onDone: (r: Recording) => void,
    private now: () => number = () => Date.now(),
  ) {}

  dispatch(ev: RecEvent): void {
    const before = this.state;
    this.state = step(before, ev);
    if (before.s === "idle" && this.state.s === "asking") void this.open();
    if (before.s !== "finishing" && this.state.s === "finishing") this.close();
    if (before !== this.state) this.onChange(this.state);
  }

  private async open(): Promise<void> {
    const mime = typeof MediaRecorder === "undefined" ? null : pickMime((m) => MediaRecorder.isTypeSupported(m));
    if (!mime || !navigator.mediaDevices?.getUserMedia) return this.dispatch({ e: "unsupported" });
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      const name = e && typeof e === "object" && "name" in e ? String((e as { name: unknown }).name) : "";
      return this.dispatch({ e: name === "NotAllowedError" || name === "SecurityError" ? "denied" : "failed" });
    }
    this.chunks = [];
    try {
      this.rec = new MediaRecorder(this.stream, { mimeType: mime, audioBitsPerSecond: 32_000 });
    } catch {
      this.release();
      return this.dispatch({ e: "failed" });
    }
    this.rec.ondataavailable = (e) => e.data.size && this.chunks.push(e.data);
    this.rec.onstop = () => this.stopped(mime);
    this.rec.start(250);
    this.dispatch({ e: "granted", now: this.now() });
    if (this.state.s === "recording") this.timer = setInterval(() => this.dispatch({ e: "tick", now: this.now() }), 100);
  }

  private close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.rec && this.rec.state !== "inactive") this.rec.stop();
    else this.stopped(null);
  }

  private stopped(mime: string | null): void {
    const st = this.state;
    this.release();
    this.rec = null;
    if (st.s !== "finishing") return;
    const send = st.send && st.elapsed >= VOICE_MIN_MS && this.chunks.length > 0;
    const blob = new Blob(this.chunks, { type: (mime ?? "audio/webm").split(";")[0] });
    this.chunks = [];
    this.dispatch({ e: "stopped" });
    if (send) this.onDone({ blob, durationMs: st.elapsed });
  }

  private release(): void {
    this.stream?.getTracks().forEach((tr) => tr.stop());
    this.stream = null;
  }

  /** Leave nothing recording (the composer unmounted). */
  dispose(): void {
    if (this.state.s === "recording" || this.state.s === "asking") this.dispatch({ e: "cancel" });
    this.release();
  }
}
