import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { AttachmentRef, EditEntry, Message, SeenEntry } from "../api/types";
import type { DeliveryStatus, OutboxItem } from "../state/outbox";
import { fullTime, timeOf } from "../format/time";
import { t } from "../strings";
import { RichText } from "../ui/RichText";
import { memo } from "../ui/memo";
import { Avatar, ErrorAlert } from "../ui/common";
import { Dialog } from "../ui/Dialog";
import { IconCheck, IconChecks, IconClock, IconAlert, IconDownload, IconEdit, IconFile, IconPin, IconReply, IconSmile, IconTrash } from "../ui/icons";
import { nameOf, names } from "../state/store";

export const quickReactions = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀", "🔥", "✅", "👎", "🤔"];

export interface MessageActions {
  react(message: Message, emoji: string, add: boolean): void;
  reply(message: Message): void;
  edit(message: Message): void;
  remove(message: Message): void;
  pin(message: Message, pinned: boolean): void;
  jump(messageId: string): void;
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
}

export interface MessageItemProps {
  message: Message;
  me: string;
  grouped: boolean;
  status: DeliveryStatus | null;
  replyTarget: Message | null | undefined;
  pinned: boolean;
  canEdit: boolean;
  canDelete: boolean;
  canPin: boolean;
  direct: boolean;
  focused: boolean;
  actions: MessageActions;
}

const statusIcon = {
  pending: <IconClock />,
  sent: <IconCheck />,
  delivered: <IconChecks />,
  read: <IconChecks />,
  failed: <IconAlert />,
};

function scaled(a: AttachmentRef): { width: number; height: number } | null {
  if (!a.width || !a.height) return null;
  const ratio = Math.min(1, 320 / a.width, 240 / a.height);
  return { width: Math.max(1, Math.round(a.width * ratio)), height: Math.max(1, Math.round(a.height * ratio)) };
}

function AttachmentView({ a }: { a: AttachmentRef }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const size = scaled(a);
  const isImage = a.contentType.startsWith("image/");

  useEffect(() => {
    if (!isImage) return;
    let live = true;
    let made: string | null = null;
    api.blobUrl(`/api/v1/attachments/${a.id}`).then(
      (u) => {
        made = u;
        if (live) setUrl(u);
        else URL.revokeObjectURL(u);
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [a.id, isImage]);

  const download = async () => {
    try {
      const u = await api.blobUrl(`/api/v1/attachments/${a.id}`);
      const link = document.createElement("a");
      link.href = u;
      link.download = a.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(u), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <figure class="attachment">
      {isImage && size && (
        <div class="attachment-image" style={{ width: `${size.width}px`, height: `${size.height}px` }}>
          {url && <img src={url} alt={a.fileName} width={size.width} height={size.height} />}
        </div>
      )}
      {isImage && !size && url && <img class="attachment-free" src={url} alt={a.fileName} />}
      <figcaption>
        {!isImage && <IconFile />}
        <button type="button" class="link-button" onClick={() => void download()} aria-label={t.timeline.download(a.fileName)}>
          {a.fileName}
        </button>
        <span class="muted"> {t.common.bytes(a.sizeBytes)}</span>
        <IconDownload />
      </figcaption>
      <ErrorAlert message={error} />
    </figure>
  );
}

function Reactions({ message, me, actions }: { message: Message; me: string; actions: MessageActions }) {
  const list = message.reactions ?? [];
  if (list.length === 0) return null;
  return (
    <div class="reactions">
      {list.map((r) => {
        const mine = r.userIds.includes(me);
        const who = r.userIds.map((u) => nameOf(u)).join(", ");
        return (
          <button
            key={r.emoji}
            type="button"
            class={mine ? "reaction mine" : "reaction"}
            aria-pressed={mine}
            title={t.timeline.reactedBy(r.emoji, who)}
            onClick={() => actions.react(message, r.emoji, !mine)}
          >
            {r.emoji} {r.count}
          </button>
        );
      })}
    </div>
  );
}

function ReactionPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector("button")?.focus();
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [onClose]);
  return (
    <div
      ref={ref}
      class="reaction-picker"
      role="group"
      aria-label={t.timeline.react}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      {quickReactions.map((emoji) => (
        <button key={emoji} type="button" onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  );
}

function SeenBy({ message }: { message: Message }) {
  const [seen, setSeen] = useState<SeenEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<SeenEntry[]>(`/api/v1/conversations/${message.conversationId}/messages/${message.id}/seen`).then(setSeen, (e: Error) => setError(e.message));
  }, [message.id, message.conversationId]);
  return (
    <div class="popover seen">
      <ErrorAlert message={error} />
      {seen && <p>{seen.length > 0 ? t.timeline.seenBy(seen.map((s) => s.displayName).join(", ")) : t.timeline.status.sent}</p>}
    </div>
  );
}

function EditHistory({ message, onClose }: { message: Message; onClose: () => void }) {
  const [edits, setEdits] = useState<EditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<EditEntry[]>(`/api/v1/conversations/${message.conversationId}/messages/${message.id}/edits`).then(setEdits, (e: Error) => setError(e.message));
  }, [message.id, message.conversationId]);
  return (
    <Dialog title={t.timeline.history} onClose={onClose}>
      <ErrorAlert message={error} />
      <ol class="history">
        {(edits ?? []).map((e) => (
          <li key={e.version}>
            <time dateTime={e.editedAt}>{fullTime(e.editedAt)}</time>
            <div class="message-body">{e.previousBody ?? ""}</div>
          </li>
        ))}
        {message.body !== null && (
          <li>
            <time dateTime={message.editedAt ?? message.createdAt}>{fullTime(message.editedAt ?? message.createdAt)}</time>
            <div class="message-body">{message.body}</div>
          </li>
        )}
      </ol>
    </Dialog>
  );
}

function ReplyQuote({ target, replyToId, actions }: { target: Message | null | undefined; replyToId: string; actions: MessageActions }) {
  const name = target ? nameOf(target.senderId) : t.timeline.original;
  const text = target === undefined ? t.timeline.original : target === null || target.deletedAt ? t.timeline.gone : (target.body ?? t.timeline.encrypted);
  return (
    <button type="button" class="reply-quote" onClick={() => actions.jump(replyToId)}>
      <span class="sr-only">{t.timeline.inReplyTo(name)}: </span>
      <strong aria-hidden="true">{name}</strong> <span class="quote-text">{text.slice(0, 140)}</span>
    </button>
  );
}

function MessageItemView(p: MessageItemProps) {
  const { message: m, actions } = p;
  const [picker, setPicker] = useState(false);
  const [seen, setSeen] = useState(false);
  const [history, setHistory] = useState(false);
  const mine = m.senderId === p.me;
  const deleted = m.deletedAt !== null;
  const sender = names.value[m.senderId ?? ""] ?? (m.senderId ? t.timeline.unknownUser : t.timeline.deletedUser);

  return (
    <article
      class={`message${mine ? " mine" : ""}${p.grouped ? " grouped" : ""}${deleted ? " deleted" : ""}${p.focused ? " focused" : ""}`}
      data-seq={m.seq}
      data-message-id={m.id}
      data-client-msg-id={m.clientMsgId ?? undefined}
      data-status={p.status ?? undefined}
      aria-label={`${sender}, ${timeOf(m.createdAt)}`}
    >
      {!p.grouped ? <Avatar id={m.senderId ?? m.id} name={sender} size={34} /> : <span class="avatar-gap" aria-hidden="true" />}
      <div class="message-main">
        {!p.grouped && (
          <header class="message-header">
            <span class="sender">{sender}</span>
            <time dateTime={m.createdAt} title={fullTime(m.createdAt)}>
              {timeOf(m.createdAt)}
            </time>
            {p.pinned && <span class="tag">{t.timeline.pinned}</span>}
          </header>
        )}
        {m.replyToId && !deleted && <ReplyQuote target={p.replyTarget} replyToId={m.replyToId} actions={actions} />}
        {deleted ? (
          <p class="message-body tombstone">{t.timeline.deleted}</p>
        ) : (
          <div class="message-body" dir="auto">
            {m.body !== null ? <RichText text={m.body} /> : <p class="muted">{t.timeline.encrypted}</p>}
          </div>
        )}
        {!deleted && (m.attachments ?? []).map((a) => <AttachmentView key={a.id} a={a} />)}
        <div class="message-meta">
          {p.grouped && (
            <time class="hover-time" dateTime={m.createdAt} title={fullTime(m.createdAt)}>
              {timeOf(m.createdAt)}
            </time>
          )}
          {m.editedAt && !deleted && (
            <button type="button" class="edited" onClick={() => setHistory(true)} title={t.timeline.history}>
              {t.timeline.edited}
            </button>
          )}
          {mine && p.status && !deleted && (
            <button
              type="button"
              class={`ticks ${p.status}`}
              aria-label={t.timeline.status[p.status]}
              title={t.timeline.status[p.status]}
              onClick={() => !p.direct && setSeen(!seen)}
            >
              {statusIcon[p.status]}
            </button>
          )}
        </div>
        {!deleted && <Reactions message={m} me={p.me} actions={actions} />}
        {seen && <SeenBy message={m} />}
      </div>
      {!deleted && (
        <div class="message-actions">
          <button type="button" class="icon-button" aria-label={t.timeline.react} title={t.timeline.react} onClick={() => setPicker(!picker)}>
            <IconSmile />
          </button>
          <button type="button" class="icon-button" aria-label={t.timeline.reply} title={t.timeline.reply} onClick={() => actions.reply(m)}>
            <IconReply />
          </button>
          {p.canEdit && (
            <button type="button" class="icon-button" aria-label={t.timeline.edit} title={t.timeline.edit} onClick={() => actions.edit(m)}>
              <IconEdit />
            </button>
          )}
          {p.canPin && (
            <button
              type="button"
              class="icon-button"
              aria-label={p.pinned ? t.timeline.unpin : t.timeline.pin}
              title={p.pinned ? t.timeline.unpin : t.timeline.pin}
              aria-pressed={p.pinned}
              onClick={() => actions.pin(m, !p.pinned)}
            >
              <IconPin />
            </button>
          )}
          {p.canDelete && (
            <button type="button" class="icon-button" aria-label={t.timeline.delete} title={t.timeline.delete} onClick={() => actions.remove(m)}>
              <IconTrash />
            </button>
          )}
        </div>
      )}
      {picker && (
        <ReactionPicker
          onPick={(emoji) => {
            setPicker(false);
            const already = (m.reactions ?? []).some((r) => r.emoji === emoji && r.userIds.includes(p.me));
            actions.react(m, emoji, !already);
          }}
          onClose={() => setPicker(false)}
        />
      )}
      {history && <EditHistory message={m} onClose={() => setHistory(false)} />}
    </article>
  );
}

export const MessageItem = memo(MessageItemView);

/** A message of mine that the server has not stored yet: pending, or failed with its reason. */
export function OutboxEntry({ item, me, actions }: { item: OutboxItem; me: string; actions: MessageActions }) {
  return (
    <article class="message mine outbox" data-client-msg-id={item.clientMsgId} data-status={item.status} aria-label={`${nameOf(me)}, ${t.timeline.status[item.status]}`}>
      <span class="avatar-gap" aria-hidden="true" />
      <div class="message-main">
        <div class="message-body" dir="auto">
          <RichText text={item.body} />
        </div>
        {item.attachments.length > 0 && <p class="muted">{item.attachments.map((a) => a.fileName).join(", ")}</p>}
        <div class="message-meta">
          <span class={`ticks ${item.status}`} title={t.timeline.status[item.status]}>
            {statusIcon[item.status]}
            <span class="sr-only">{t.timeline.status[item.status]}</span>
          </span>
        </div>
        {item.status === "failed" && (
          <div class="failed">
            <p role="alert" class="error">
              {item.error}
            </p>
            <button type="button" class="button small" onClick={() => actions.retry(item.clientMsgId)}>
              {t.timeline.retry}
            </button>
            <button type="button" class="button small" onClick={() => actions.discard(item.clientMsgId)}>
              {t.timeline.delete}
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
