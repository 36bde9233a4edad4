// A conversation's timeline as a window of history: a contiguous run of messages in seq order, at most
// `windowLimit` of them, that knows whether older or newer ones exist beyond it. Pure functions, so the
// rules (order, de-duplication, windowing) are tested without a browser.

import type { Message, MessagePage } from "../api/types";

export const windowLimit = 300;

export interface TimelineWindow {
  messages: Message[];
  /** Older messages exist before the first one held. */
  hasOlder: boolean;
  /** Newer messages exist after the last one held: the window is not at the live end. */
  hasNewer: boolean;
  /** The first page has arrived. */
  loaded: boolean;
}

export const emptyWindow: TimelineWindow = { messages: [], hasOlder: false, hasNewer: false, loaded: false };

/** The newer of two copies of one message: a deletion is final; otherwise the copy seen last wins. */
function pick(current: Message, incoming: Message): Message {
  if (current.deletedAt && !incoming.deletedAt) return current;
  return incoming;
}

/** Merges messages into a list: one entry per id, in seq order. */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return list as Message[];
  const byId = new Map<string, Message>();
  for (const m of list) byId.set(m.id, m);
  let appendOnly = true;
  const last = list.length > 0 ? list[list.length - 1]!.seq : -Infinity;
  for (const m of incoming) {
    const existing = byId.get(m.id);
    if (existing) {
      byId.set(m.id, pick(existing, m));
      appendOnly = false;
    } else {
      byId.set(m.id, m);
      if (m.seq <= last) appendOnly = false;
    }
  }
  const merged = [...byId.values()];
  if (!appendOnly || incoming.length > 1) merged.sort((a, b) => a.seq - b.seq);
  return merged;
}

function trimNewest(w: TimelineWindow, limit: number): TimelineWindow {
  if (w.messages.length <= limit) return w;
  return { ...w, messages: w.messages.slice(0, limit), hasNewer: true };
}

function trimOldest(w: TimelineWindow, limit: number): TimelineWindow {
  if (w.messages.length <= limit) return w;
  return { ...w, messages: w.messages.slice(w.messages.length - limit), hasOlder: true };
}

/** The newest page, as the conversation opens. Messages that arrived live meanwhile stay. */
export function withLatest(w: TimelineWindow, page: MessagePage, limit = windowLimit): TimelineWindow {
  const messages = mergeMessages(w.messages, page.items);
  return trimOldest({ messages, hasOlder: page.hasMore, hasNewer: false, loaded: true }, limit);
}

/** A page before the window's first message (keyset `before`); the newest end gives way past the limit. */
export function withOlder(w: TimelineWindow, page: MessagePage, limit = windowLimit): TimelineWindow {
  const messages = mergeMessages(w.messages, page.items);
  return trimNewest({ ...w, messages, hasOlder: page.hasMore }, limit);
}

/** A page after the window's last message (keyset `after`); the oldest end gives way past the limit. */
export function withNewer(w: TimelineWindow, page: MessagePage, limit = windowLimit): TimelineWindow {
  const messages = mergeMessages(w.messages, page.items);
  return trimOldest({ ...w, messages, hasNewer: page.hasMore }, limit);
}

/** The window re-centred on one message (`/around`): whether more lies beyond is learnt by paging. */
export function aroundMessage(page: { items: Message[] }, requested: number): TimelineWindow {
  const messages = mergeMessages([], page.items);
  const full = messages.length >= requested;
  return { messages, hasOlder: full || messages.length > 0, hasNewer: true, loaded: true };
}

/**
 * A message seen live. A new one is appended only while the window is at the live end (otherwise it
 * lies beyond the window and paging finds it); a changed one is replaced where the window holds it.
 */
export function withLive(w: TimelineWindow, message: Message, limit = windowLimit): TimelineWindow {
  const held = w.messages.some((m) => m.id === message.id);
  if (!held && w.hasNewer) return w;
  if (!held && !w.loaded) return { ...w, messages: mergeMessages(w.messages, [message]) };
  if (!held) {
    const first = w.messages[0];
    if (first && message.seq < first.seq) return w;
  }
  return trimOldest({ ...w, messages: mergeMessages(w.messages, [message]) }, limit);
}

export function firstSeq(w: TimelineWindow): number | null {
  return w.messages[0]?.seq ?? null;
}

export function lastSeq(w: TimelineWindow): number | null {
  return w.messages[w.messages.length - 1]?.seq ?? null;
}
