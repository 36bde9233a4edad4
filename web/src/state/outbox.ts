// Messages on their way: shown at once (pending), replaced by the stored message when the server
// acknowledges the send, or marked failed with a reason and a retry. The clientMsgId makes every retry
// of one message return that message, so a retry can never store it twice.

import type { AttachmentRef, Message } from "../api/types";

export type DeliveryStatus = "pending" | "sent" | "delivered" | "read" | "failed";

export interface OutboxItem {
  clientMsgId: string;
  conversationId: string;
  body: string;
  replyToId: string | null;
  attachments: AttachmentRef[];
  createdAt: string;
  status: "pending" | "failed";
  error: string | null;
  attempts: number;
  /** When a send went out last (ms), to resend what was never acknowledged. */
  sentAt: number | null;
}

export function newClientMsgId(): string {
  return `c-${crypto.randomUUID()}`;
}

export function enqueue(outbox: readonly OutboxItem[], item: Omit<OutboxItem, "status" | "error" | "attempts" | "sentAt">): OutboxItem[] {
  return [...outbox, { ...item, status: "pending", error: null, attempts: 0, sentAt: null }];
}

export function markSent(outbox: readonly OutboxItem[], clientMsgId: string, at: number): OutboxItem[] {
  return outbox.map((o) => (o.clientMsgId === clientMsgId ? { ...o, attempts: o.attempts + 1, sentAt: at } : o));
}

/** The server stored it (ack or the message's own event): it leaves the outbox. */
export function acknowledge(outbox: readonly OutboxItem[], clientMsgId: string): OutboxItem[] {
  return outbox.some((o) => o.clientMsgId === clientMsgId) ? outbox.filter((o) => o.clientMsgId !== clientMsgId) : (outbox as OutboxItem[]);
}

export function fail(outbox: readonly OutboxItem[], clientMsgId: string, error: string): OutboxItem[] {
  return outbox.map((o) => (o.clientMsgId === clientMsgId ? { ...o, status: "failed", error, sentAt: null } : o));
}

export function retry(outbox: readonly OutboxItem[], clientMsgId: string): OutboxItem[] {
  return outbox.map((o) => (o.clientMsgId === clientMsgId ? { ...o, status: "pending", error: null, sentAt: null } : o));
}

/** Pending items to (re)send now: never sent on this connection, or unanswered for `timeoutMs`. */
export function due(outbox: readonly OutboxItem[], now: number, timeoutMs: number): OutboxItem[] {
  return outbox.filter((o) => o.status === "pending" && (o.sentAt === null || now - o.sentAt >= timeoutMs));
}

/** After a reconnect nothing in flight was answered: everything pending goes out again. */
export function resetInFlight(outbox: readonly OutboxItem[]): OutboxItem[] {
  return outbox.map((o) => (o.sentAt === null ? o : { ...o, sentAt: null }));
}

/** The outbox items of a conversation that the timeline does not hold as stored messages yet. */
export function unconfirmed(outbox: readonly OutboxItem[], conversationId: string, messages: readonly Message[]): OutboxItem[] {
  const stored = new Set<string>();
  for (const m of messages) if (m.clientMsgId) stored.add(m.clientMsgId);
  return outbox.filter((o) => o.conversationId === conversationId && !stored.has(o.clientMsgId));
}

/**
 * The tick of a stored message of mine: read once every other member's read watermark reached it,
 * delivered once every other member's delivered (or read) watermark did, sent before that.
 */
export function deliveryStatus(
  seq: number,
  others: readonly string[],
  readBy: Readonly<Record<string, number>>,
  deliveredBy: Readonly<Record<string, number>>,
): DeliveryStatus {
  if (others.length === 0) return "sent";
  if (others.every((u) => (readBy[u] ?? 0) >= seq)) return "read";
  if (others.every((u) => Math.max(deliveredBy[u] ?? 0, readBy[u] ?? 0) >= seq)) return "delivered";
  return "sent";
}
