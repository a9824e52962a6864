// Where keyboard focus goes when a dialog or menu closes.

export const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * Back to the element that opened it. A message's action buttons are shown only while the
 * message has focus, so the opener may be hidden by now: then the nearest focusable element
 * before it (the message bubble) takes focus instead of the page losing it.
 */
export function restoreFocus(el: Element | null): void {
  if (!(el instanceof HTMLElement) || !el.isConnected) return;
  el.focus();
  if (document.activeElement === el) return;
  for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
    const before = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((x) => x.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    for (const x of before.reverse()) {
      x.focus();
      if (document.activeElement === x) return;
    }
  }
}
