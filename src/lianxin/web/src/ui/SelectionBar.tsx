import { t } from "../i18n";
import { Icon } from "./common";

/** Replaces the conversation header while messages are being picked. */
export function SelectionBar({ count, canForward, onForward, onDelete, onCancel }: { count: number; canForward: boolean; onForward: () => void; onDelete: () => void; onCancel: () => void }) {
  return (
    <header class="pane-header selection-bar" data-testid="selection-bar">
      <button type="button" class="icon-btn" onClick={onCancel} aria-label={t("sel.cancel")} title={t("sel.cancel")}>
        <Icon name="close" />
      </button>
      <div class="pane-title">
        <h1 aria-live="polite" data-testid="selection-count">
          {t("sel.count", { n: count })}
        </h1>
      </div>
      <button type="button" class="icon-btn" disabled={!count || !canForward} onClick={onForward} aria-label={t("msg.forward")} title={t("msg.forward")} data-testid="sel-forward">
        <Icon name="forward" />
      </button>
      <button type="button" class="icon-btn" disabled={!count} onClick={onDelete} aria-label={t("sel.delete")} title={t("sel.delete")} data-testid="sel-delete">
        <Icon name="trash" />
      </button>
    </header>
  );
}
