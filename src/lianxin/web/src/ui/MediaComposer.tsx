// The composer's media tools: attach (picker, paste, drag and drop) with a preview sheet, voice
// recording, the sticker panel; and the bubbles of uploads still on their way.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { clock } from "../format";
import { t } from "../i18n";
import { formatDuration, formatSize, kindOf, UploadQueue, type NewUpload, type UploadItem } from "../media";
import { VoiceRecorder, VOICE_MAX_MS, type RecState } from "../recorder";
import type { ChatSummary } from "../types";
import { ICONS, MediaIcon, useMediaService } from "./bodies/media";
import { Toggle } from "./common";
import { Dialog } from "./Dialog";
import { ContactSheet, LocationSheet } from "./ShareSheets";
import { StickerPanel } from "./Stickers";

const MAX_FILES = 20;
const PLUS = "M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z";
const PERSON = "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z";
const NARROW = "(max-width: 599px)";

/** Phone-width screens: the composer folds attach and stickers into one "+" (the text box keeps its room). */
export function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => typeof matchMedia === "function" && matchMedia(NARROW).matches);
  useEffect(() => {
    const mq = matchMedia(NARROW);
    const on = () => setNarrow(mq.matches);
    mq.addEventListener("change", on);
    return () => mq.removeEventListener("change", on);
  }, []);
  return narrow;
}

// -- attach -------------------------------------------------------------------------------

/** Attach and sticker buttons (left of the text box); handles paste and drops for the chat. */
export function MediaTools({ client, chat }: { client: Client; chat: ChatSummary }) {
  const [menu, setMenu] = useState(false);
  const [files, setFiles] = useState<File[] | null>(null);
  const [stickers, setStickers] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [sharing, setSharing] = useState<"location" | "contact" | null>(null);
  const photoInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const root = useRef<HTMLDivElement>(null);

  const take = (list: FileList | File[] | null | undefined) => {
    const picked = [...(list ?? [])].filter((f) => f.size > 0);
    if (!picked.length) return;
    if (picked.length > MAX_FILES) client.toast(t("attach.too_many", { n: MAX_FILES }));
    setFiles((cur) => [...(cur ?? []), ...picked].slice(0, MAX_FILES));
  };

  useEffect(() => {
    const conv = root.current?.closest(".conversation") as HTMLElement | null;
    if (!conv) return;
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (!depth) setDragging(false);
    };
    const over = (e: DragEvent) => hasFiles(e) && e.preventDefault();
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      take(e.dataTransfer?.files);
    };
    const paste = (e: ClipboardEvent) => {
      const pasted = [...(e.clipboardData?.files ?? [])];
      if (!pasted.length) return;
      e.preventDefault();
      take(pasted);
    };
    conv.addEventListener("dragenter", enter);
    conv.addEventListener("dragleave", leave);
    conv.addEventListener("dragover", over);
    conv.addEventListener("drop", drop);
    conv.addEventListener("paste", paste);
    return () => {
      conv.removeEventListener("dragenter", enter);
      conv.removeEventListener("dragleave", leave);
      conv.removeEventListener("dragover", over);
      conv.removeEventListener("drop", drop);
      conv.removeEventListener("paste", paste);
    };
  }, [chat.id]);

  useEffect(() => {
    if (!menu) return;
    const close = (e: Event) => !root.current?.contains(e.target as Node) && setMenu(false);
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setMenu(false);
    document.addEventListener("pointerdown", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("pointerdown", close);
      document.removeEventListener("keydown", esc);
    };
  }, [menu]);

  const pick = (input: HTMLInputElement | null) => {
    setMenu(false);
    input?.click();
  };
  const narrow = useNarrow();
  return (
    <div class="composer-tools" ref={root}>
      {narrow ? (
        <button type="button" class={`composer-tool more-tool${menu ? " active" : ""}`} onClick={() => setMenu(!menu)} aria-haspopup="menu" aria-expanded={menu} aria-label={t("attach.more")} title={t("attach.more")} data-testid="attach">
          <MediaIcon d={PLUS} />
        </button>
      ) : (
        <>
          <button type="button" class={`composer-tool${menu ? " active" : ""}`} onClick={() => setMenu(!menu)} aria-haspopup="menu" aria-expanded={menu} aria-label={t("attach.button")} title={t("attach.button")} data-testid="attach">
            <MediaIcon d={ICONS.clip} />
          </button>
          <button type="button" class={`composer-tool${stickers ? " active" : ""}`} onClick={() => setStickers(!stickers)} aria-expanded={stickers} aria-label={t("sticker.button")} title={t("sticker.button")} data-testid="sticker-button">
            <MediaIcon d={ICONS.sticker} />
          </button>
        </>
      )}
      {menu ? (
        <div class={`attach-menu${narrow ? " attach-tiles" : ""}`} role="menu" data-testid="attach-menu">
          <button type="button" role="menuitem" onClick={() => pick(photoInput.current)} data-testid="attach-photos">
            <MediaIcon d={ICONS.photo} /> <span>{t("attach.photos")}</span>
          </button>
          <button type="button" role="menuitem" onClick={() => pick(fileInput.current)} data-testid="attach-file">
            <MediaIcon d={ICONS.file} /> <span>{t("attach.file")}</span>
          </button>
          <button type="button" role="menuitem" onClick={() => (setMenu(false), setSharing("location"))} data-testid="attach-location">
            <MediaIcon d={ICONS.pin} /> <span>{t("share.location")}</span>
          </button>
          <button type="button" role="menuitem" onClick={() => (setMenu(false), setSharing("contact"))} data-testid="attach-contact">
            <MediaIcon d={PERSON} /> <span>{t("share.contact")}</span>
          </button>
          {narrow ? (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setMenu(false);
                setStickers(true);
              }}
              data-testid="sticker-button"
            >
              <MediaIcon d={ICONS.sticker} /> <span>{t("sticker.button")}</span>
            </button>
          ) : null}
        </div>
      ) : null}
      <input ref={photoInput} type="file" accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/webm,video/quicktime" multiple hidden data-testid="photo-input" onChange={(e) => (take((e.target as HTMLInputElement).files), ((e.target as HTMLInputElement).value = ""))} />
      <input ref={fileInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => (take((e.target as HTMLInputElement).files), ((e.target as HTMLInputElement).value = ""))} />
      {dragging ? <div class="drop-zone">{t("attach.drop")}</div> : null}
      {files?.length ? <AttachSheet client={client} chat={chat} files={files} setFiles={setFiles} /> : null}
      {stickers ? <StickerPanel client={client} chat={chat} onClose={() => setStickers(false)} /> : null}
      {sharing === "location" ? <LocationSheet client={client} chat={chat} onClose={() => setSharing(null)} /> : null}
      {sharing === "contact" ? <ContactSheet client={client} chat={chat} onClose={() => setSharing(null)} /> : null}
    </div>
  );
}

function useObjectUrl(blob: Blob | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) return;
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url;
}

function FilePreview({ file, single, onRemove }: { file: File; single: boolean; onRemove: () => void }) {
  const kind = kindOf(file);
  const url = useObjectUrl(kind === "file" ? null : file);
  return (
    <div class={`attach-item${single ? " single" : ""}`} data-testid="attach-item">
      <button type="button" class="attach-remove" onClick={onRemove} aria-label={t("attach.remove")} title={t("attach.remove")}>
        <MediaIcon d={ICONS.close} size={16} />
      </button>
      {url && kind === "photo" ? <img src={url} alt={file.name} /> : null}
      {url && kind === "video" ? <video src={url} muted playsInline /> : null}
      {kind === "file" ? (
        <>
          <MediaIcon d={ICONS.file} size={30} />
          <span class="attach-name">{file.name}</span>
          <span class="muted">{formatSize(file.size)}</span>
        </>
      ) : null}
    </div>
  );
}

/** What will be sent, before it is: remove items, add a caption, make a single photo view-once. */
function AttachSheet({ client, chat, files, setFiles }: { client: Client; chat: ChatSummary; files: File[]; setFiles: (f: File[] | null) => void }) {
  const media = useMediaService(client);
  const [caption, setCaption] = useState("");
  const [viewOnce, setViewOnce] = useState(false);
  const single = files.length === 1;
  const canViewOnce = single && kindOf(files[0]) === "photo";
  const send = () => {
    const items: NewUpload[] = files.map((f, i) => ({
      chat: chat.id,
      kind: kindOf(f),
      file: f,
      name: f.name,
      caption: i === 0 && !(viewOnce && canViewOnce) ? caption : undefined,
      viewOnce: viewOnce && canViewOnce,
    }));
    media.attach(items);
    setFiles(null);
  };
  return (
    <Dialog title={single ? t("attach.sheet") : t("attach.sheet_n", { n: files.length })} onClose={() => setFiles(null)} testId="attach-sheet">
      <div class="attach-grid">
        {files.map((f, i) => (
          <FilePreview key={`${f.name}-${i}-${f.size}`} file={f} single={single} onRemove={() => setFiles(files.length > 1 ? files.filter((_, j) => j !== i) : null)} />
        ))}
      </div>
      {viewOnce && canViewOnce ? null : (
        <textarea
          class="attach-caption"
          rows={2}
          maxLength={4096}
          value={caption}
          placeholder={t("attach.caption")}
          aria-label={t("attach.caption")}
          data-testid="attach-caption"
          onInput={(e) => setCaption((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => e.key === "Enter" && !e.shiftKey && !e.isComposing && (e.preventDefault(), send())}
        />
      )}
      <div class="attach-foot">
        {canViewOnce ? (
          <div data-testid="view-once-toggle" title={t("attach.view_once_hint")}>
            <Toggle label={t("attach.view_once")} checked={viewOnce} onChange={setViewOnce} />
          </div>
        ) : (
          <span style={{ flex: 1 }} />
        )}
        <button type="button" class="btn primary" onClick={send} data-autofocus data-testid="attach-send">
          {t("attach.send")}
        </button>
      </div>
    </Dialog>
  );
}

// -- voice --------------------------------------------------------------------------------

/** Record a voice note: hold on touch screens, click to start and stop with a mouse. */
export function VoiceButton({ client, chat }: { client: Client; chat: ChatSummary }) {
  const media = useMediaService(client);
  const [state, setState] = useState<RecState>({ s: "idle" });
  const rec = useRef<VoiceRecorder | null>(null);
  const startX = useRef(0);
  const touch = useRef(false);
  if (!rec.current) {
    rec.current = new VoiceRecorder(setState, (r) => {
      if (r.durationMs >= VOICE_MAX_MS) client.toast(t("voice.limit"));
      media.attach([{ chat: chat.id, kind: "voice", file: r.blob, name: "", durationMs: r.durationMs }]);
    });
  }
  useEffect(() => () => rec.current?.dispose(), []);
  useEffect(() => {
    if (state.s === "idle" && state.notice) client.toast(t(`voice.${state.notice}`));
  }, [state]);
  useEffect(() => {
    if (state.s !== "recording" || state.mode !== "toggle") return;
    const esc = (e: KeyboardEvent) => e.key === "Escape" && rec.current?.dispatch({ e: "cancel" });
    window.addEventListener("keydown", esc);
    return () => window.removeEventListener("keydown", esc);
  }, [state.s]);
  const r = rec.current;
  const recording = state.s === "recording" || state.s === "asking";
  const hold = recording && "mode" in state && state.mode === "hold";
  const armed = state.s === "recording" && state.cancelArmed;
  return (
    <>
      {recording ? (
        <div class={`recording-bar${armed ? " cancel-armed" : ""}`} data-testid="recording-bar" role="status">
          <span class="rec-dot" aria-hidden="true" />
          <span class="rec-time" data-testid="rec-time">
            {formatDuration(state.s === "recording" ? state.elapsed : 0)}
          </span>
          <span class="rec-hint">{hold ? (armed ? t("voice.release_cancel") : t("voice.slide")) : t("voice.recording")}</span>
          {hold ? null : (
            <button type="button" class="btn link" onClick={() => r.dispatch({ e: "cancel" })} data-testid="rec-cancel">
              {t("voice.cancel")}
            </button>
          )}
        </div>
      ) : null}
      <button
        type="button"
        class={`composer-tool${recording ? " recording" : ""}`}
        aria-label={recording ? t("voice.stop") : t("voice.record")}
        title={recording ? t("voice.stop") : touch.current ? t("voice.hold") : t("voice.record")}
        aria-pressed={recording}
        data-testid="voice-record"
        style={{ touchAction: "none" }}
        onPointerDown={(e) => {
          if (e.pointerType !== "touch") return;
          touch.current = true;
          startX.current = e.clientX;
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
          r.dispatch({ e: "press", mode: "hold" });
        }}
        onPointerMove={(e) => e.pointerType === "touch" && r.dispatch({ e: "slide", dx: e.clientX - startX.current })}
        onPointerUp={(e) => e.pointerType === "touch" && r.dispatch({ e: "release" })}
        onPointerCancel={(e) => e.pointerType === "touch" && r.dispatch({ e: "cancel" })}
        onContextMenu={(e) => e.preventDefault()}
        onClick={() => {
          if (touch.current) {
            touch.current = false;
            return;
          }
          r.dispatch({ e: "click" });
        }}
      >
        <MediaIcon d={ICONS.mic} />
      </button>
    </>
  );
}

// -- uploads on their way -----------------------------------------------------------------

function UploadBubble({ client, item }: { client: Client; item: UploadItem }) {
  const media = useMediaService(client);
  const thumb = useObjectUrl(item.kind === "photo" ? item.file : null);
  const pct = Math.round(UploadQueue.progress(item) * 100);
  const failed = item.status === "failed";
  const label = failed ? t("upload.failed") : item.status === "waiting" ? t("upload.waiting") : t("upload.uploading", { p: pct });
  const name = item.kind === "voice" ? `${t("media.voice")} · ${formatDuration(item.durationMs)}` : item.name;
  return (
    <div class={`msg mine first pending${failed ? " failed" : ""}`} data-testid="upload" data-status={item.status}>
      <div class="msg-row">
        <div class="bubble">
          <div class="upload-card">
            {thumb ? <img class="upload-thumb" src={thumb} alt="" /> : <span class="upload-thumb"><MediaIcon d={item.kind === "voice" ? ICONS.mic : ICONS.file} /></span>}
            <span class="upload-info">
              <span class="file-name">{name}</span>
              <span class="muted small">
                {formatSize(item.size)} · {label}
              </span>
              <span class="upload-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
                <span style={{ width: `${pct}%` }} />
              </span>
            </span>
            {failed ? null : (
              <button type="button" class="icon-btn small" onClick={() => media.uploads.cancel(item.id)} aria-label={t("upload.cancel")} title={t("upload.cancel")} data-testid="upload-cancel">
                <MediaIcon d={ICONS.close} size={18} />
              </button>
            )}
          </div>
          <span class="meta">
            <time>{clock(item.ts)}</time>
          </span>
        </div>
      </div>
      {failed ? (
        <div class="failed-row">
          <span>{item.error && item.error !== "network" && item.error !== "unknown" ? errorText({ code: item.error }) : t("upload.failed")}</span>
          <button type="button" class="btn link" onClick={() => media.uploads.retry(item.id)} data-testid="upload-retry">
            {t("upload.retry")}
          </button>
          <button type="button" class="btn link" onClick={() => media.uploads.cancel(item.id)}>
            {t("msg.discard")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** The uploads of one chat, after its pending messages. */
export function UploadList({ client, chat }: { client: Client; chat: number }) {
  const media = useMediaService(client);
  const items = media.uploads.forChat(chat);
  useEffect(() => {
    const list = document.querySelector('[data-testid="messages"]');
    if (list && items.length) list.scrollTop = list.scrollHeight;
  }, [items.length]);
  return (
    <>
      {items.map((it) => (
        <UploadBubble key={it.id} client={client} item={it} />
      ))}
    </>
  );
}
