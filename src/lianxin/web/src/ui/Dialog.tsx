import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { Icon } from "./common";
import { FOCUSABLE, restoreFocus } from "./focus";

/** A modal: Esc or the backdrop closes it, focus moves in and returns to where it was. */
export function Dialog({ title, onClose, children, testId }: { title: string; onClose: () => void; children: ComponentChildren; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>("[data-autofocus]") ?? box.current?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => restoreFocus(before);
  }, []);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
    } else if (e.key === "Tab" && box.current) {
      const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (!items.length) return;
      const [first, last] = [items[0], items[items.length - 1]];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose()} onKeyDown={onKey}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label={title} ref={box} data-testid={testId}>
        <header class="dialog-head">
          <h2>{title}</h2>
          <button type="button" class="icon-btn small" onClick={onClose} aria-label={t("common.close")} title={t("common.close")}>
            <Icon name="close" size={18} />
          </button>
        </header>
        <div class="dialog-body">{children}</div>
      </div>
    </div>
  );
}

/** Ask before something that can't be undone. */
export function Confirm({
  title,
  text,
  action,
  danger = false,
  onConfirm,
  onClose,
}: {
  title: string;
  text: string;
  action: string;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose} testId="confirm">
      <p>{text}</p>
      <div class="row-end">
        <button type="button" class="btn" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          class={`btn ${danger ? "danger" : "primary"}`}
          data-autofocus
          onClick={() => {
            onClose();
            onConfirm();
          }}
        >
          {action}
        </button>
      </div>
    </Dialog>
  );
}
