import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api/client";
import type { Attachment, AttachmentRef, Message } from "../api/types";
import { nameOf, sendMessage, sendTyping } from "../state/store";
import { t } from "../strings";
import { ErrorAlert } from "../ui/common";
import { IconAttach, IconClose, IconSend } from "../ui/icons";

interface Upload {
  key: string;
  name: string;
  progress: number;
  done: AttachmentRef | null;
  abort: AbortController;
}

export interface ComposerHandle {
  addFiles(files: File[]): void;
}

interface Props {
  conversationId: string;
  replyTo: Message | null;
  editing: Message | null;
  onCancelReply: () => void;
  onCancelEdit: () => void;
  onSaveEdit: (message: Message, body: string) => Promise<void>;
  onEditLast: () => void;
  handle: { current: ComposerHandle | null };
  disabled: boolean;
}

const maxLength = 10_000;

export function Composer({ conversationId, replyTo, editing, onCancelReply, onCancelEdit, onSaveEdit, onEditLast, handle, disabled }: Props) {
  const [text, setText] = useState("");
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const stopTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const draftBeforeEdit = useRef("");

  useEffect(() => {
    if (editing) {
      draftBeforeEdit.current = text;
      setText(editing.body ?? "");
      input.current?.focus();
    } else {
      setText(draftBeforeEdit.current);
      draftBeforeEdit.current = "";
    }
    // Only a change of the message being edited resets the text.
  }, [editing?.id]);

  useEffect(() => {
    if (replyTo) input.current?.focus();
  }, [replyTo?.id]);

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  useEffect(() => () => clearTimeout(stopTimer.current), []);

  const upload = (file: File) => {
    const key = `${file.name}-${Date.now()}-${Math.random()}`;
    const abort = new AbortController();
    setUploads((list) => [...list, { key, name: file.name, progress: 0, done: null, abort }]);
    const form = new FormData();
    form.append("conversationId", conversationId);
    form.append("file", file, file.name);
    api
      .upload<Attachment>("/api/v1/attachments", form, (p) => setUploads((list) => list.map((u) => (u.key === key ? { ...u, progress: p } : u))), abort.signal)
      .then((a) => {
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, progress: 1, done: a } : u)));
      })
      .catch((e: unknown) => {
        setUploads((list) => list.filter((u) => u.key !== key));
        if (!(e instanceof ApiError && e.code === "aborted")) setError(`${file.name}: ${(e as Error).message}`);
      });
  };

  handle.current = {
    addFiles: (files) => {
      setError(null);
      for (const f of files) upload(f);
    },
  };

  const uploading = uploads.some((u) => !u.done);
  const ready = uploads.filter((u) => u.done).map((u) => u.done!);
  const tooLong = [...text].length > maxLength;

  const submit = async () => {
    if (disabled || uploading || tooLong) return;
    const body = text.trim();
    if (editing) {
      if (body === "" || body === editing.body) {
        onCancelEdit();
        return;
      }
      try {
        await onSaveEdit(editing, body);
        setText(draftBeforeEdit.current);
        draftBeforeEdit.current = "";
      } catch (e) {
        setError((e as Error).message);
      }
      return;
    }
    if (body === "" && ready.length === 0) return;
    // The server wants a body with every message; a file sent alone is named by its file name.
    sendMessage(conversationId, body !== "" ? body : ready.map((a) => a.fileName).join(", "), replyTo?.id ?? null, ready);
    setText("");
    setUploads([]);
    setError(null);
    onCancelReply();
    clearTimeout(stopTimer.current);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape") {
      if (editing) onCancelEdit();
      else if (replyTo) onCancelReply();
    } else if (e.key === "ArrowUp" && text === "" && !editing) {
      e.preventDefault();
      onEditLast();
    }
  };

  const onInput = (value: string) => {
    setText(value);
    if (editing) return;
    if (value.trim() === "") {
      sendTyping(conversationId, "stop");
      return;
    }
    sendTyping(conversationId, "start");
    clearTimeout(stopTimer.current);
    stopTimer.current = setTimeout(() => sendTyping(conversationId, "stop"), 4_000);
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {replyTo && !editing && (
        <div class="composer-context">
          <span>
            {t.timeline.replyingTo(nameOf(replyTo.senderId))}: <span class="muted">{(replyTo.body ?? "").slice(0, 80)}</span>
          </span>
          <button type="button" class="icon-button" aria-label={t.composer.cancelReply} onClick={onCancelReply}>
            <IconClose />
          </button>
        </div>
      )}
      {editing && (
        <div class="composer-context">
          <span>{t.composer.editing}</span>
          <button type="button" class="icon-button" aria-label={t.composer.cancelEdit} onClick={onCancelEdit}>
            <IconClose />
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul class="uploads">
          {uploads.map((u) => (
            <li key={u.key}>
              <span>{u.done ? u.name : t.composer.uploading(u.name, Math.round(u.progress * 100))}</span>
              {!u.done && <progress max={1} value={u.progress} aria-label={u.name} />}
              <button
                type="button"
                class="icon-button"
                aria-label={t.composer.removeAttachment(u.name)}
                onClick={() => {
                  u.abort.abort();
                  setUploads((list) => list.filter((x) => x.key !== u.key));
                }}
              >
                <IconClose />
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert message={error ?? (tooLong ? t.composer.tooLong : null)} />
      <div class="composer-row">
        {!editing && (
          <>
            <label class="icon-button attach" for={`attach-${conversationId}`} title={t.composer.attach}>
              <IconAttach />
              <span class="sr-only">{t.composer.attach}</span>
            </label>
            <input
              ref={fileInput}
              id={`attach-${conversationId}`}
              class="visually-hidden"
              type="file"
              multiple
              onChange={(e) => {
                const files = [...(e.currentTarget.files ?? [])];
                e.currentTarget.value = "";
                handle.current?.addFiles(files);
              }}
            />
          </>
        )}
        <label class="sr-only" for={`message-${conversationId}`}>
          {t.composer.label}
        </label>
        <textarea
          ref={input}
          id={`message-${conversationId}`}
          rows={1}
          placeholder={t.composer.placeholder}
          value={text}
          disabled={disabled}
          onInput={(e) => onInput(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onBlur={() => sendTyping(conversationId, "stop")}
          onPaste={(e) => {
            const files = [...(e.clipboardData?.files ?? [])];
            if (files.length > 0) {
              e.preventDefault();
              handle.current?.addFiles(files);
            }
          }}
        />
        <button type="submit" class="button primary send" disabled={disabled || uploading || tooLong}>
          <IconSend />
          <span class={editing ? "" : "sr-only-narrow"}>{editing ? t.composer.save : t.composer.send}</span>
        </button>
      </div>
    </form>
  );
}
