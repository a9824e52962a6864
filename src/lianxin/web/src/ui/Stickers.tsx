// The sticker panel over the composer (favourites and my packs; send by pack + index) and the
// sticker store (the operator's catalogue: browse packs, add or remove them).
import { useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../client";
import { errorText } from "../errors";
import { t } from "../i18n";
import type { MyStickers, Sticker, StickerPack } from "../mediaclient";
import type { ChatSummary } from "../types";
import { ICONS, MediaIcon, StickerImg, useMediaService } from "./bodies/media";
import { Dialog } from "./Dialog";

type Tab = "fav" | number;

export function StickerPanel({ client, chat, onClose }: { client: Client; chat: ChatSummary; onClose: () => void }) {
  const media = useMediaService(client);
  const [mine, setMine] = useState<MyStickers | null>(null);
  const [tab, setTab] = useState<Tab>("fav");
  const [pack, setPack] = useState<StickerPack | null>(null);
  const [store, setStore] = useState(false);
  // Re-read on every render: the copy is cached, and dropped when a "stickers" frame or my own change arrives.
  useEffect(() => {
    media.myStickers().then(setMine, (e) => client.toast(errorText(e)));
  });
  const first = useRef(true);
  useEffect(() => {
    if (!mine || !first.current) return;
    first.current = false;
    if (!mine.favourites.length && mine.packs.length) setTab(mine.packs[0].id);
  }, [mine]);
  useEffect(() => {
    if (typeof tab !== "number") return setPack(null);
    let live = true;
    media.pack(tab).then(
      (p) => live && setPack(p),
      (e) => live && client.toast(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [tab]);
  useEffect(() => {
    // Esc closes the panel, unless it is meant for a dialog opened from it (the store).
    const esc = (e: KeyboardEvent) => e.key === "Escape" && !e.defaultPrevented && !document.querySelector('[aria-modal="true"]') && onClose();
    window.addEventListener("keydown", esc);
    return () => window.removeEventListener("keydown", esc);
  }, []);
  const favKeys = new Set((mine?.favourites ?? []).map((s) => `${s.pack}:${s.index}`));
  const send = (s: Sticker) => {
    media.sendSticker(chat.id, s);
    onClose();
  };
  const toggleFav = (s: Sticker) => {
    const on = !favKeys.has(`${s.pack}:${s.index}`);
    media.setFavourite(s, on).then(setMine, (e) => client.toast(errorText(e)));
  };
  const list = tab === "fav" ? mine?.favourites ?? [] : pack?.stickers ?? [];
  return (
    <div class="sticker-panel" role="dialog" aria-label={t("sticker.panel")} data-testid="sticker-panel">
      <div class="sticker-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "fav"} class={`sticker-tab${tab === "fav" ? " active" : ""}`} onClick={() => setTab("fav")} title={t("sticker.favourites")} aria-label={t("sticker.favourites")}>
          <MediaIcon d={ICONS.star} />
        </button>
        {(mine?.packs ?? []).map((p) => (
          <button key={p.id} type="button" role="tab" aria-selected={tab === p.id} class={`sticker-tab${tab === p.id ? " active" : ""}`} onClick={() => setTab(p.id)} title={p.title} aria-label={p.title} data-testid="sticker-pack-tab">
            <img src={media.stickerSrc(p.cover)} alt="" />
          </button>
        ))}
        <button type="button" class="sticker-tab" onClick={() => setStore(true)} title={t("sticker.store")} aria-label={t("sticker.store")} data-testid="sticker-store-open">
          <MediaIcon d={ICONS.store} />
        </button>
      </div>
      <div class="sticker-grid" data-testid="sticker-grid">
        {list.map((s) => {
          const fav = favKeys.has(`${s.pack}:${s.index}`);
          return (
            <button
              key={`${s.pack}:${s.index}`}
              type="button"
              class="sticker-cell"
              onClick={() => send(s)}
              onContextMenu={(e) => {
                e.preventDefault();
                toggleFav(s);
              }}
              aria-label={t("sticker.send", { emoji: s.emoji })}
              title={`${s.emoji} · ${fav ? t("sticker.fav_remove") : t("sticker.fav_add")}`}
              data-testid="sticker-cell"
            >
              <StickerImg client={client} s={s} size={72} />
            </button>
          );
        })}
        {mine && !list.length ? (
          <div class="sticker-empty">
            {tab === "fav" ? (mine.packs.length ? t("sticker.no_favourites") : t("sticker.empty")) : t("media.loading")}
            {!mine.packs.length ? (
              <div>
                <button type="button" class="btn primary small" onClick={() => setStore(true)}>
                  {t("sticker.store")}
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
      {store ? (
        <StickerStore
          client={client}
          mine={mine}
          onChange={(m) => {
            setMine(m);
            if (m.packs.length && tab === "fav" && !m.favourites.length) setTab(m.packs[m.packs.length - 1].id);
          }}
          onClose={() => setStore(false)}
        />
      ) : null}
    </div>
  );
}

function StickerStore({ client, mine, onChange, onClose }: { client: Client; mine: MyStickers | null; onChange: (m: MyStickers) => void; onClose: () => void }) {
  const media = useMediaService(client);
  const [packs, setPacks] = useState<StickerPack[] | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [details, setDetails] = useState<Record<number, StickerPack>>({});
  useEffect(() => {
    media.stickerStore().then(
      async (r) => {
        setPacks(r.packs);
        const full = await Promise.all(r.packs.slice(0, 20).map((p) => media.pack(p.id).catch(() => p)));
        setDetails(Object.fromEntries(full.map((p) => [p.id, p])));
      },
      (e) => client.toast(errorText(e)),
    );
  }, []);
  const have = new Set((mine?.packs ?? []).map((p) => p.id));
  const toggle = (p: StickerPack) => {
    setBusy(p.id);
    media.setPack(p.id, !have.has(p.id)).then(
      (m) => {
        setBusy(null);
        onChange(m);
      },
      (e) => {
        setBusy(null);
        client.toast(errorText(e));
      },
    );
  };
  return (
    <Dialog title={t("sticker.store")} onClose={onClose} testId="sticker-store">
      <div class="store-list">
        {packs === null ? <p class="muted">{t("media.loading")}</p> : null}
        {packs?.length === 0 ? <p class="muted">{t("sticker.store_empty")}</p> : null}
        {(packs ?? []).map((p) => (
          <div key={p.id} class="store-pack" data-testid="store-pack">
            <div class="store-head">
              <img src={media.stickerSrc(p.cover)} alt="" />
              <div>
                <strong>{p.title}</strong>
                <span class="muted small">{t("sticker.count", { n: p.count })}</span>
              </div>
              <button type="button" class={`btn small${have.has(p.id) ? "" : " primary"}`} aria-busy={busy === p.id} onClick={() => busy === null && toggle(p)} data-testid="store-pack-toggle">
                {have.has(p.id) ? t("sticker.remove") : t("sticker.add")}
              </button>
            </div>
            {details[p.id]?.stickers?.length ? (
              <div class="store-preview">
                {details[p.id].stickers!.slice(0, 8).map((s) => (
                  <StickerImg key={s.index} client={client} s={s} size={56} />
                ))}
              </div>
            ) : null}
          </div>
        ))}
      </div>
    </Dialog>
  );
}
