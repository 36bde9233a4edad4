import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import type { Conversation, Message } from "../api/types";
import { deliveryStatus, unconfirmed } from "../state/outbox";
import { jumpToLatest, loadNewer, loadOlder, markRead, me, outbox, type TimelineState } from "../state/store";
import { dayKey, dayLabel } from "../format/time";
import { t } from "../strings";
import { MessageItem, OutboxEntry, type MessageActions } from "./MessageItem";
import { IconDown } from "../ui/icons";

const groupWindowMs = 5 * 60_000;
const edgePx = 400;

interface Props {
  tl: TimelineState;
  conversation: Conversation;
  actions: MessageActions;
  pinnedIds: ReadonlySet<string>;
  replyTargets: ReadonlyMap<string, Message | null>;
}

const moderators = new Set(["owner", "admin", "moderator"]);

export function Timeline({ tl, conversation, actions, pinnedIds, replyTargets }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const stuck = useRef(true);
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  const shownFocus = useRef(0);
  const seenToEnd = useRef(tl.toEnd.value);
  const w = tl.window.value;
  const myId = me.value?.id ?? "";
  const pending = w.hasNewer ? [] : unconfirmed(outbox.value, conversation.id, w.messages);
  const members = tl.members.value;
  const others = useMemo(() => (members ?? []).map((m) => m.userId).filter((u) => u !== myId), [members, myId]);
  const readBy = tl.readBy.value;
  const deliveredBy = tl.deliveredBy.value;
  const focus = tl.focus.value;
  const moderator = conversation.kind === "group" && moderators.has(conversation.role);
  const byId = useMemo(() => new Map(w.messages.map((m) => [m.id, m])), [w.messages]);

  const remember = () => {
    const el = scroller.current;
    if (!el) return;
    stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    // The first message whose top is in view keeps its place when pages come and go above it.
    const top = el.getBoundingClientRect().top;
    const articles = el.querySelectorAll<HTMLElement>("article[data-message-id]");
    for (const a of articles) {
      const r = a.getBoundingClientRect();
      if (r.bottom > top) {
        anchor.current = { id: a.dataset.messageId!, offset: r.top - top };
        break;
      }
    }
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // An empty window is about to be filled with the newest page (opening), or was just refilled with it.
    if (!w.loaded || tl.toEnd.value !== seenToEnd.current) {
      stuck.current = true;
      seenToEnd.current = tl.toEnd.value;
    }
    if (stuck.current && !w.hasNewer) {
      el.scrollTop = el.scrollHeight;
      // Messages out of view are laid out at an estimated height until they are drawn; once the newest are
      // drawn at their real height the end has moved, so follow it for a few frames.
      let frames = 0;
      const settle = () => {
        if (!stuck.current || frames++ > 10) return;
        if (el.scrollHeight - el.scrollTop - el.clientHeight > 1) el.scrollTop = el.scrollHeight;
        requestAnimationFrame(settle);
      };
      requestAnimationFrame(settle);
    } else if (anchor.current) {
      const node = el.querySelector<HTMLElement>(`article[data-message-id="${CSS.escape(anchor.current.id)}"]`);
      if (node) el.scrollTop += node.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.current.offset;
    }
  }, [w, pending.length]);

  useEffect(() => {
    const el = scroller.current;
    if (!el || !w.loaded) return;
    // A short history does not fill the view; fetch more until it scrolls or there is no more.
    if (el.scrollHeight <= el.clientHeight + 10 && w.hasOlder) void loadOlder(tl);
  }, [w, tl]);

  useEffect(() => {
    // Each focus request scrolls once; later window changes leave the reader where they are.
    if (!focus || focus.at === shownFocus.current) return;
    const el = scroller.current;
    const node = el?.querySelector<HTMLElement>(`article[data-message-id="${CSS.escape(focus.messageId)}"]`);
    if (node && el) {
      shownFocus.current = focus.at;
      stuck.current = false;
      node.scrollIntoView({ block: "center" });
      remember();
    }
  }, [focus, w]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    remember();
    if (el.scrollTop < edgePx && w.hasOlder) void loadOlder(tl);
    if (el.scrollHeight - el.scrollTop - el.clientHeight < edgePx && w.hasNewer) void loadNewer(tl);
    if (stuck.current && !w.hasNewer) markRead(conversation.id);
  };

  const rows = [];
  let previous: Message | null = null;
  for (const m of w.messages) {
    const day = dayKey(m.createdAt);
    if (!previous || dayKey(previous.createdAt) !== day) {
      const label = dayLabel(m.createdAt, t.common.today, t.common.yesterday);
      rows.push(
        <div key={`d${m.id}`} class="day" role="separator" aria-label={label}>
          <span>{label}</span>
        </div>,
      );
      previous = null;
    }
    const grouped =
      previous !== null &&
      previous.senderId === m.senderId &&
      previous.deletedAt === null &&
      !m.replyToId &&
      Date.parse(m.createdAt) - Date.parse(previous.createdAt) < groupWindowMs;
    const mine = m.senderId === myId;
    rows.push(
      <MessageItem
        key={m.id}
        message={m}
        me={myId}
        grouped={grouped}
        status={mine ? deliveryStatus(m.seq, others, readBy, deliveredBy) : null}
        replyTarget={m.replyToId ? (byId.get(m.replyToId) ?? replyTargets.get(m.replyToId)) : undefined}
        pinned={pinnedIds.has(m.id)}
        canEdit={mine && m.body !== null && m.deletedAt === null}
        canDelete={mine || moderator}
        canPin={conversation.kind === "direct" || moderator}
        direct={conversation.kind === "direct"}
        focused={focus?.messageId === m.id}
        actions={actions}
      />,
    );
    previous = m;
  }

  return (
    <div class="timeline-wrap">
      <div class="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label={t.timeline.log} aria-live="polite"
          aria-busy={!w.loaded || tl.loadingOlder.value || tl.loadingNewer.value} tabIndex={0}>
        <div class="timeline-start">
          {w.loaded && !w.hasOlder && <p class="muted">{w.messages.length === 0 && pending.length === 0 ? t.timeline.empty : t.timeline.beginning}</p>}
          {tl.loadingOlder.value && <p class="muted">{t.timeline.loadingOlder}</p>}
        </div>
        {rows}
        {pending.map((o) => (
          <OutboxEntry key={o.clientMsgId} item={o} me={myId} actions={actions} />
        ))}
        {tl.loadingNewer.value && <p class="muted">{t.timeline.loadingNewer}</p>}
      </div>
      {w.hasNewer && (
        <button type="button" class="button jump-latest" onClick={() => {
            stuck.current = true;
            void jumpToLatest(tl);
          }}>
          <IconDown /> {t.timeline.jumpLatest}
        </button>
      )}
    </div>
  );
}
