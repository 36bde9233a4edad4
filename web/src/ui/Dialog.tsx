import { useEffect, useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { t } from "../strings";
import { IconClose } from "./icons";

/** A modal dialog on the native <dialog>: focus is kept inside, Esc closes, the page behind is inert. */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={wide ? "dialog wide" : "dialog"}
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header class="dialog-header">
        <h2>{title}</h2>
        <button type="button" class="icon-button" aria-label={t.dialogs.close} onClick={onClose}>
          <IconClose />
        </button>
      </header>
      <div class="dialog-body">{children}</div>
    </dialog>
  );
}

/** A yes/no question in a dialog (window.confirm cannot be styled or read reliably). */
export function Confirm({ question, confirmLabel, onConfirm, onClose }: { question: string; confirmLabel: string; onConfirm: () => void; onClose: () => void }) {
  return (
    <Dialog title={question} onClose={onClose}>
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose}>
          {t.dialogs.cancel}
        </button>
        <button
          type="button"
          class="button danger"
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
