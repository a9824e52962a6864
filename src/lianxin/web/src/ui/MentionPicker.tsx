import { t } from "../i18n";
import { ALL, type Candidate } from "../mentions";
import { Avatar, Icon } from "./common";

/** The suggestion list above the composer while an "@name" is typed. */
export function MentionPicker({ items, index, onPick, onHover }: { items: Candidate[]; index: number; onPick: (c: Candidate) => void; onHover: (i: number) => void }) {
  return (
    <ul class="mention-picker" role="listbox" id="mention-list" aria-label={t("mention.pick")} data-testid="mention-picker">
      {items.map((c, i) => (
        <li
          key={c.id}
          id={`mention-${c.id}`}
          role="option"
          aria-selected={i === index}
          class={i === index ? "selected" : ""}
          data-testid="mention-option"
          onMouseDown={(e) => {
            e.preventDefault(); // keep focus (and the caret) in the composer
            onPick(c);
          }}
          onMouseEnter={() => onHover(i)}
        >
          {c.id === ALL ? (
            <span class="avatar mention-all-avatar" aria-hidden="true" style={{ width: "28px", height: "28px" }}>
              <Icon name="at" size={16} />
            </span>
          ) : (
            <Avatar id={c.id} name={c.name} size={28} />
          )}
          <span>{c.id === ALL ? t("mention.everyone", { all: c.name }) : c.name}</span>
        </li>
      ))}
    </ul>
  );
}
