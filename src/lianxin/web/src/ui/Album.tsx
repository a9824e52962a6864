// A group's shared album on its info page: a grid of photos with uploader and time, newest first,
// paged; members add photos (uploaded, then posted to the album); tapping one opens it large.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { dayLabel } from "../format";
import { t } from "../i18n";
import type { AlbumEntry } from "../mediaclient";
import { ICONS, MediaIcon, useMediaService } from "./bodies/media";

export function AlbumSection({ client, chat }: { client: Client; chat: number }) {
  const media = useMediaService(client);
  const [entries, setEntries] = useState<AlbumEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [uploading, setUploading] = useState<number | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const load = (before?: number) =>
    media.album(chat, before).then(
      (r) => {
        setEntries((cur) => (before ? [...(cur ?? []), ...r.entries] : r.entries));
        setMore(r.more);
      },
      (e) => client.toast(errorText(e)),
    );
  useEffect(() => void load(), [chat]);
  const add = async (files: FileList | null) => {
    const list = [...(files ?? [])];
    for (const [i, f] of list.entries()) {
      setUploading(Math.round((i / list.length) * 100));
      try {
        const entry = await media.albumAdd(chat, f, (n) => setUploading(Math.round(((i + n / f.size) / list.length) * 100)), new AbortController().signal);
        setEntries((cur) => [entry, ...(cur ?? [])]);
      } catch (e) {
        client.toast(errorText(e));
        break;
      }
    }
    setUploading(null);
  };
  const shown = entries ?? [];
  const current = open === null ? null : shown[open];
  return (
    <div class="card" data-testid="album">
      <div class="album-head">
        <h2 class="section-title">{t("album.title")}</h2>
        <button type="button" class="btn small" disabled={uploading !== null} onClick={() => input.current?.click()} data-testid="album-add">
          {uploading !== null ? t("upload.uploading", { p: uploading }) : t("album.add")}
        </button>
        <input ref={input} type="file" accept="image/jpeg,image/png,image/gif,image/webp" multiple hidden data-testid="album-input" onChange={(e) => (void add((e.target as HTMLInputElement).files), ((e.target as HTMLInputElement).value = ""))} />
      </div>
      {entries && !entries.length ? <p class="muted">{t("album.empty")}</p> : null}
      <div class="album-grid">
        {shown.map((en, i) => (
          <button key={en.id} type="button" class="album-cell" onClick={() => setOpen(i)} aria-label={t("media.open_photo")} data-testid="album-cell">
            <img src={client.api.base + String(en.media.urls?.thumb ?? en.media.urls?.content ?? "")} alt={en.caption ?? ""} loading="lazy" />
            <span class="album-meta">{t("album.by", { name: client.store.userName(en.uploader), when: dayLabel(en.created_at) })}</span>
          </button>
        ))}
      </div>
      {more ? (
        <button type="button" class="btn link" onClick={() => void load(shown[shown.length - 1]?.id)}>
          {t("album.more")}
        </button>
      ) : null}
      {current ? (
        <div
          class="lightbox"
          role="dialog"
          aria-modal="true"
          aria-label={t("album.title")}
          tabIndex={-1}
          ref={(el) => el?.focus()}
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(null);
            else if (e.key === "ArrowLeft") setOpen(Math.max(0, open! - 1));
            else if (e.key === "ArrowRight") setOpen(Math.min(shown.length - 1, open! + 1));
            else return;
            e.stopPropagation();
            e.preventDefault();
          }}
          data-testid="album-viewer"
        >
          <div class="lightbox-bar">
            <span>{t("album.by", { name: client.store.userName(current.uploader), when: dayLabel(current.created_at) })}</span>
            <span class="lightbox-count">
              {open! + 1} / {shown.length}
            </span>
            <button type="button" class="icon-btn" onClick={() => setOpen(null)} aria-label={t("common.close")}>
              <MediaIcon d={ICONS.close} />
            </button>
          </div>
          <div class="lightbox-stage" onClick={(e) => e.target === e.currentTarget && setOpen(null)}>
            <img src={client.api.base + String(current.media.urls?.preview ?? current.media.urls?.content ?? "")} alt={current.caption ?? ""} />
          </div>
          {current.caption ? <div class="lightbox-caption">{current.caption}</div> : null}
        </div>
      ) : null}
    </div>
  );
}
