import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { restoreFocus } from "./focus";

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  testId?: string;
  ariaLabel?: string;
}

export interface MenuPos {
  x: number;
  y: number;
}

/** A popup menu at a point: arrow keys move, Enter picks, Esc / a click elsewhere closes. */
export function Menu({ items, at, label, onClose, palette = false }: { items: MenuItem[]; at: MenuPos; label: string; onClose: () => void; palette?: boolean }) {
  const ref = useRef<HTMLUListElement>(null);
  const [pos, setPos] = useState(at);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    setPos({ x: Math.max(8, Math.min(at.x, innerWidth - r.width - 8)), y: Math.max(8, Math.min(at.y, innerHeight - r.height - 8)) });
    el.querySelector<HTMLElement>("button")?.focus();
  }, [at.x, at.y]);
  const opener = useRef(document.activeElement); // the menu takes focus; it goes back on close
  useEffect(() => () => restoreFocus(opener.current), []);
  useEffect(() => {
    const away = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    const t = setTimeout(() => {
      document.addEventListener("pointerdown", away);
      document.addEventListener("contextmenu", away);
    });
    return () => {
      clearTimeout(t);
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("contextmenu", away);
    };
  }, []);
  const onKey = (e: KeyboardEvent) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLElement>("button") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === "ArrowDown" || e.key === "ArrowRight") {
      e.preventDefault();
      buttons[(i + 1) % buttons.length]?.focus();
    } else if (e.key === "ArrowUp" || e.key === "ArrowLeft") {
      e.preventDefault();
      buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
    }
  };
  return (
    <ul class={`menu${palette ? " palette" : ""}`} role="menu" aria-orientation={palette ? "horizontal" : "vertical"} aria-label={label} ref={ref} style={{ left: `${pos.x}px`, top: `${pos.y}px` }} onKeyDown={onKey} data-testid="menu">
      {items.map((it) => (
        <li key={it.label} role="none">
          <button
            type="button"
            role="menuitem"
            aria-label={it.ariaLabel}
            class={it.danger ? "danger" : ""}
            data-testid={it.testId}
            onClick={() => {
              onClose();
              it.onSelect();
            }}
          >
            {it.label}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Long-press on touch opens a menu (as right-click does with a mouse). */
export function useLongPress(open: (pos: MenuPos) => void, ms = 500) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fired = useRef(false);
  const cancel = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
  };
  return {
    onPointerDown: (e: PointerEvent) => {
      fired.current = false;
      if (e.pointerType !== "touch") return;
      const pos = { x: e.clientX, y: e.clientY };
      cancel();
      timer.current = setTimeout(() => {
        fired.current = true;
        open(pos);
      }, ms);
    },
    onPointerUp: cancel,
    onPointerMove: (e: PointerEvent) => {
      if (e.pointerType === "touch" && (Math.abs(e.movementX) > 4 || Math.abs(e.movementY) > 4)) cancel();
    },
    onPointerCancel: cancel,
    onContextMenu: (e: MouseEvent) => {
      e.preventDefault();
      cancel();
      if (!fired.current) open({ x: e.clientX, y: e.clientY });
    },
    /** After a long press, swallow the click that follows it. */
    onClickCapture: (e: MouseEvent) => {
      if (fired.current) {
        e.preventDefault();
        e.stopPropagation();
        fired.current = false;
      }
    },
  };
}

/** Where to open a menu for a button (keyboard or click on a "more" button). */
export function below(el: Element): MenuPos {
  const r = el.getBoundingClientRect();
  return { x: r.right - 200, y: r.bottom + 4 };
}
