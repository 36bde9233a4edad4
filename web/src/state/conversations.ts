// The conversation list's rules: order, unread counting and how an event changes a row.

import type { ChatEvent, Conversation, Message, MessagePreview } from "../api/types";

export function byActivity(a: Conversation, b: Conversation): number {
  return b.lastActivityAt < a.lastActivityAt ? -1 : b.lastActivityAt > a.lastActivityAt ? 1 : a.id < b.id ? -1 : 1;
}

export function isMuted(c: Conversation, now = Date.now()): boolean {
  return c.mutedUntil !== null && Date.parse(c.mutedUntil) > now;
}

function preview(m: Message, senderName: string | null): MessagePreview {
  return {
    id: m.id,
    seq: m.seq,
    senderId: m.senderId,
    kind: m.kind,
    body: m.body === null ? null : m.body.slice(0, 140),
    createdAt: m.createdAt,
    deleted: m.deletedAt !== null,
    senderName,
  };
}

/**
 * Applies one event (taken in seq order) to a row. `viewing`: the user has this conversation open and
 * in view, so what arrives is read at once and does not count as unread.
 */
export function applyEvent(c: Conversation, e: ChatEvent, me: string, viewing: boolean, senderName: string | null = null): Conversation {
  const next: Conversation = { ...c, lastSeq: Math.max(c.lastSeq, e.seq) };
  const message = e.data.message;
  switch (e.kind) {
    case "message.created": {
      if (!message) return next;
      next.messageCount = c.messageCount + 1;
      next.lastActivityAt = e.createdAt > c.lastActivityAt ? e.createdAt : c.lastActivityAt;
      next.lastMessage = preview(message, senderName);
      if (message.senderId === me) {
        next.unreadCount = 0;
        next.lastReadSeq = Math.max(c.lastReadSeq, e.seq);
      } else if (!viewing) {
        next.unreadCount = c.unreadCount + 1;
      }
      return next;
    }
    case "message.edited":
    case "message.deleted":
      if (message && c.lastMessage?.id === message.id) next.lastMessage = preview(message, c.lastMessage.senderName);
      return next;
    case "receipt.read":
      if (e.data.userId === me && typeof e.data.seq === "number") {
        next.lastReadSeq = Math.max(c.lastReadSeq, e.data.seq);
        if (c.lastMessage && e.data.seq >= c.lastMessage.seq) next.unreadCount = 0;
      }
      return next;
    case "conversation.updated":
      if (typeof e.data.title === "string") next.title = e.data.title;
      return next;
    case "member.role_changed":
      if (e.data.userId === me && e.data.role) next.role = e.data.role;
      return next;
    default:
      return next;
  }
}

/** The unread figure for the tab title: messages in conversations that are not muted. */
export function totalUnread(list: Iterable<Conversation>, now = Date.now()): number {
  let total = 0;
  for (const c of list) if (!isMuted(c, now)) total += c.unreadCount;
  return total;
}

export function displayTitle(c: Conversation, untitled: string): string {
  if (c.kind === "direct") return c.otherDisplayName ?? c.otherUsername ?? c.title ?? untitled;
  return c.title ?? untitled;
}
