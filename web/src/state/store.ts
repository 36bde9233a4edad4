// The client's live state, in signals the views read: the account, the conversation list, the
// timelines that are open, the outbox, typing and presence. Every event from the socket or from a
// REST page of events passes through one gate (the cursors), so each is applied once and in order.

import { batch, computed, signal, type Signal } from "@preact/signals";
import { api, ApiError } from "../api/client";
import type {
  Account,
  AttachmentRef,
  ChatEvent,
  Conversation,
  EventData,
  Member,
  Message,
  MessagePage,
  Paged,
  PresenceState,
  Role,
} from "../api/types";
import { Cursors } from "../socket/cursors";
import { Gateway, type ConnectionState, type ServerFrame } from "../socket/gateway";
import { applyEvent, byActivity, displayTitle, isMuted, totalUnread } from "./conversations";
import * as outboxRules from "./outbox";
import type { OutboxItem } from "./outbox";
import { aroundMessage, emptyWindow, firstSeq, lastSeq, withLatest, withLive, withNewer, withOlder, type TimelineWindow } from "./timeline";
import { errorSentence, t } from "../strings";
import { prefs } from "../prefs";

export const me = signal<Account | null>(null);
export const conversations = signal<ReadonlyMap<string, Conversation>>(new Map());
export const conversationList = computed(() => [...conversations.value.values()].sort(byActivity));
export const listState = signal<{ loaded: boolean; nextCursor: string | null; error: string | null }>({ loaded: false, nextCursor: null, error: null });
export const connection = signal<ConnectionState>("offline");
/** Since when the socket has been down (ms), null while it is up or before the first attempt. */
export const offlineSince = signal<number | null>(null);
export const outbox = signal<OutboxItem[]>([]);
/** conversationId → userId → when the typing runs out (ms). */
export const typing = signal<Readonly<Record<string, Readonly<Record<string, number>>>>>({});
export const presence = signal<Readonly<Record<string, PresenceState>>>({});
/** userId → display name, from every place the client learns one. */
export const names = signal<Readonly<Record<string, string>>>({});
export const openConversationId = signal<string | null>(null);
export const pageVisible = signal(typeof document === "undefined" ? true : !document.hidden);
/** A notice for the whole app (a refused socket frame, say), shown as an alert. */
export const notice = signal<string | null>(null);
/** Bumped by contact events, so the contacts screen reloads. */
export const contactsVersion = signal(0);

export const unreadTotal = computed(() => totalUnread(conversations.value.values()));

export interface TimelineState {
  id: string;
  window: Signal<TimelineWindow>;
  loadingOlder: Signal<boolean>;
  loadingNewer: Signal<boolean>;
  error: Signal<string | null>;
  members: Signal<Member[] | null>;
  readBy: Signal<Readonly<Record<string, number>>>;
  deliveredBy: Signal<Readonly<Record<string, number>>>;
  pins: Signal<Message[] | null>;
  /** A message to show and mark (a reply's original, a search hit). */
  focus: Signal<{ messageId: string; at: number } | null>;
  /** The newest messages seen live, to close the gap when paging reaches the live end. */
  recent: Message[];
  usedAt: number;
  /** Bumped whenever the window is replaced, so a page requested for the old one is dropped when it lands. */
  generation: number;
  /** Bumped when the window is refilled with the newest page on request: the view goes to its end. */
  toEnd: Signal<number>;
}

const timelines = new Map<string, TimelineState>();
const keptTimelines = 6;
const pageSize = 50;

const cursors = new Cursors();
let userSeq: number | null = null;
const catchingUp = new Map<string, ChatEvent[]>();
let resendTimer: ReturnType<typeof setInterval> | undefined;
const pendingReceipts = new Map<string, { read: number; delivered: number; timer: ReturnType<typeof setTimeout> | undefined }>();

export const gateway = new Gateway({
  token: () => api.token(),
  refresh: () => api.refresh(),
  resumeState: () => ({ cursors: cursors.toObject(), userSeq }),
  onReady,
  onFrame,
  onState: (state) => {
    batch(() => {
      connection.value = state;
      if (state === "ready") offlineSince.value = null;
      else offlineSince.value ??= Date.now();
    });
  },
  onSessionEnded: () => api.end(),
});

// ---- Session ----------------------------------------------------------------------------------

export async function startSession(): Promise<void> {
  const account = await api.get<Account>("/api/v1/me");
  me.value = account;
  learnName(account.id, account.displayName);
  await loadConversations();
  gateway.start();
  clearInterval(resendTimer);
  resendTimer = setInterval(flushOutbox, 5_000);
}

export function stopSession(): void {
  gateway.stop();
  clearInterval(resendTimer);
  for (const p of pendingReceipts.values()) clearTimeout(p.timer);
  pendingReceipts.clear();
  timelines.clear();
  learnt.clear();
  catchingUp.clear();
  for (const id of Object.keys(cursors.toObject(Number.MAX_SAFE_INTEGER))) cursors.delete(id);
  userSeq = null;
  batch(() => {
    me.value = null;
    conversations.value = new Map();
    listState.value = { loaded: false, nextCursor: null, error: null };
    outbox.value = [];
    typing.value = {};
    presence.value = {};
    names.value = {};
    openConversationId.value = null;
    notice.value = null;
    offlineSince.value = null;
  });
}

export async function loadConversations(cursor: string | null = null): Promise<void> {
  try {
    const page = await api.get<Paged<Conversation>>(`/api/v1/conversations?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const map = new Map(cursor ? conversations.value : []);
    for (const c of page.items) {
      map.set(c.id, c);
      if (!cursors.has(c.id)) cursors.set(c.id, c.lastSeq);
      learnFromConversation(c);
    }
    batch(() => {
      conversations.value = map;
      listState.value = { loaded: true, nextCursor: page.nextCursor, error: null };
    });
    void loadPresence(page.items.filter((c) => c.kind === "direct").slice(0, 30));
  } catch (e) {
    listState.value = { ...listState.value, loaded: true, error: (e as Error).message };
  }
}

async function loadPresence(list: Conversation[]): Promise<void> {
  const found: Record<string, PresenceState> = {};
  await Promise.all(
    list.map(async (c) => {
      if (!c.otherUserId) return;
      try {
        const p = await api.get<{ userId: string; state: PresenceState }>(`/api/v1/users/${c.otherUserId}/presence`);
        found[p.userId] = p.state;
      } catch {
        // A presence dot is a nicety; an erased or unknown user simply has none.
      }
    }),
  );
  presence.value = { ...found, ...presence.value };
}

function learnName(userId: string | null | undefined, name: string | null | undefined): void {
  if (!userId || !name || names.value[userId] === name) return;
  names.value = { ...names.value, [userId]: name };
}

function learnFromConversation(c: Conversation): void {
  if (c.otherUserId && c.otherDisplayName) learnName(c.otherUserId, c.otherDisplayName);
  if (c.lastMessage?.senderId && c.lastMessage.senderName) learnName(c.lastMessage.senderId, c.lastMessage.senderName);
}

export function nameOf(userId: string | null): string {
  if (!userId) return t.timeline.unknownUser;
  return names.value[userId] ?? t.timeline.unknownUser;
}

function putConversation(c: Conversation): void {
  const map = new Map(conversations.value);
  map.set(c.id, c);
  conversations.value = map;
  learnFromConversation(c);
}

function dropConversation(id: string): void {
  if (!conversations.value.has(id)) return;
  const map = new Map(conversations.value);
  map.delete(id);
  conversations.value = map;
  timelines.delete(id);
  cursors.delete(id);
  outbox.value = outbox.value.filter((o) => o.conversationId !== id);
}

const fetching = new Set<string>();
async function fetchConversation(id: string): Promise<Conversation | null> {
  if (fetching.has(id)) return null;
  fetching.add(id);
  try {
    const c = await api.get<Conversation>(`/api/v1/conversations/${id}`);
    putConversation(c);
    cursors.advance(id, c.lastSeq);
    return c;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) dropConversation(id);
    return null;
  } finally {
    fetching.delete(id);
  }
}

export async function refreshConversation(id: string): Promise<void> {
  try {
    const c = await api.get<Conversation>(`/api/v1/conversations/${id}`);
    putConversation(c);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) dropConversation(id);
  }
}

// ---- Frames -----------------------------------------------------------------------------------

function onReady(frame: ServerFrame): void {
  const known = frame.conversations as Record<string, number> | undefined;
  if (known) {
    for (const [id, seq] of Object.entries(known)) {
      // Conversations the list has not loaded are followed live from here.
      if (!cursors.has(id)) cursors.set(id, seq);
    }
    for (const id of conversations.value.keys()) if (!(id in known)) dropConversation(id);
  }
  if (typeof frame.userSeq === "number" && userSeq === null) userSeq = frame.userSeq;
  outbox.value = outboxRules.resetInFlight(outbox.value);
  flushOutbox();
  for (const id of pendingReceipts.keys()) flushReceipts(id);
  const open = openConversationId.value;
  if (open) markRead(open);
}

function onFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case "event":
      handleEvent(frame as unknown as ChatEvent);
      return;
    case "user":
      handleUser(frame);
      return;
    case "ack":
      handleAck(frame);
      return;
    case "receipt":
      handleReceipt(frame);
      return;
    case "limited":
      void handleLimited(frame);
      return;
    case "typing":
      handleTyping(frame);
      return;
    case "presence":
      if (typeof frame.userId === "string" && typeof frame.state === "string") {
        presence.value = { ...presence.value, [frame.userId]: frame.state as PresenceState };
      }
      return;
    case "error":
      handleError(frame);
      return;
    default:
      return;
  }
}

function handleEvent(e: ChatEvent): void {
  const buffer = catchingUp.get(e.conversationId);
  if (buffer) {
    buffer.push(e);
    return;
  }
  const arrival = cursors.accept(e.conversationId, e.seq);
  if (arrival === "duplicate") return;
  if (arrival === "gap") {
    void catchUp(e.conversationId, [e]);
    return;
  }
  apply(e);
}

interface EventRow {
  seq: number;
  kind: string;
  actorId: string | null;
  messageId: string | null;
  data: EventData | null;
  createdAt: string;
  message: Message | null;
}

/** Pages the events after the cursor over REST, holding live ones back, then lets the held ones through. */
async function catchUp(conversationId: string, held: ChatEvent[] = []): Promise<void> {
  if (catchingUp.has(conversationId)) {
    catchingUp.get(conversationId)!.push(...held);
    return;
  }
  const buffer = [...held];
  catchingUp.set(conversationId, buffer);
  try {
    for (;;) {
      const after = cursors.get(conversationId) ?? 0;
      const page = await api.get<{ items: EventRow[]; hasMore: boolean }>(`/api/v1/conversations/${conversationId}/events?after=${after}&limit=500`);
      for (const row of page.items) {
        const e: ChatEvent = {
          conversationId,
          seq: row.seq,
          kind: row.kind,
          actorId: row.actorId,
          createdAt: row.createdAt,
          data: { ...(row.data ?? {}), ...(row.messageId ? { messageId: row.messageId } : {}), ...(row.message ? { message: row.message } : {}) },
        };
        if (cursors.accept(conversationId, e.seq) === "new") apply(e);
      }
      if (!page.hasMore || page.items.length === 0) break;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      catchingUp.delete(conversationId);
      dropConversation(conversationId);
      return;
    }
    catchingUp.delete(conversationId);
    // Try again shortly from the same cursor; what was held back comes along.
    setTimeout(() => void catchUp(conversationId, buffer), 2_000);
    return;
  }
  catchingUp.delete(conversationId);
  buffer.sort((a, b) => a.seq - b.seq);
  for (const e of buffer) handleEvent(e);
}

function viewing(conversationId: string): boolean {
  if (openConversationId.value !== conversationId || !pageVisible.value) return false;
  const tl = timelines.get(conversationId);
  return !tl || !tl.window.value.hasNewer;
}

function apply(e: ChatEvent): void {
  const id = e.conversationId;
  const mine = me.value?.id ?? "";
  const message = e.data.message;
  if (e.kind === "conversation.deleted") {
    dropConversation(id);
    return;
  }
  if (e.kind === "member.removed" && e.data.userId === mine) {
    dropConversation(id);
    return;
  }
  const row = conversations.value.get(id);
  batch(() => {
    if (row) {
      const senderName = message?.senderId ? (names.value[message.senderId] ?? null) : null;
      putConversation(applyEvent(row, e, mine, viewing(id), senderName));
    } else {
      void fetchConversation(id);
    }
    const tl = timelines.get(id);
    if (message) {
      if (message.clientMsgId && message.senderId === mine) outbox.value = outboxRules.acknowledge(outbox.value, message.clientMsgId);
      if (tl) {
        tl.window.value = withLive(tl.window.value, message);
        if (e.kind === "message.created") {
          tl.recent.push(message);
          if (tl.recent.length > 100) tl.recent.shift();
        }
        if ((e.kind === "message.pinned" || e.kind === "message.unpinned" || e.kind === "message.deleted") && tl.pins.value) void loadPins(id);
      }
    }
    if (e.kind === "message.created" && message && message.senderId !== mine) {
      clearTyping(id, message.senderId);
      queueReceipt(id, "delivered", e.seq);
      if (viewing(id)) markRead(id);
      notify(id, message);
    }
    if ((e.kind === "receipt.read" || e.kind === "receipt.delivered") && tl && e.data.userId && typeof e.data.seq === "number") {
      const target = e.kind === "receipt.read" ? tl.readBy : tl.deliveredBy;
      const seq = e.data.seq;
      if ((target.value[e.data.userId] ?? 0) < seq) target.value = { ...target.value, [e.data.userId]: seq };
    }
    if (e.kind === "receipt.read" && e.data.userId === mine && row && row.lastMessage && (e.data.seq ?? 0) < row.lastMessage.seq) {
      // Read elsewhere up to a point before the end: the server knows the count.
      void refreshConversation(id);
    }
    if (e.kind.startsWith("member.") && tl) void loadMembers(id);
    if (e.kind === "member.added" && e.data.userId === mine && !row) void fetchConversation(id);
  });
}

function handleUser(frame: ServerFrame): void {
  if (typeof frame.seq === "number") userSeq = Math.max(userSeq ?? 0, frame.seq);
  const data = (frame.data ?? {}) as { conversationId?: string; afterSeq?: number; userId?: string };
  const kind = String(frame.kind);
  if (kind === "conversation.joined" && data.conversationId) {
    if (typeof data.afterSeq === "number") cursors.set(data.conversationId, data.afterSeq);
    void fetchConversation(data.conversationId);
  } else if (kind === "conversation.left" && data.conversationId) {
    dropConversation(data.conversationId);
  } else if (kind.startsWith("contact.")) {
    contactsVersion.value++;
  }
}

function handleAck(frame: ServerFrame): void {
  const clientMsgId = frame.clientMsgId as string | undefined;
  const message = frame.message as Message | undefined;
  batch(() => {
    if (clientMsgId) outbox.value = outboxRules.acknowledge(outbox.value, clientMsgId);
    if (message) {
      const tl = timelines.get(message.conversationId);
      if (tl) {
        tl.window.value = withLive(tl.window.value, message);
        // Kept for a window that is away from the live end now and returns to it later.
        if (!tl.recent.some((r) => r.id === message.id)) tl.recent.push(message);
        if (tl.recent.length > 100) tl.recent.shift();
      }
    }
  });
}

function handleReceipt(frame: ServerFrame): void {
  const id = frame.conversationId as string;
  const row = conversations.value.get(id);
  if (!row) return;
  putConversation({
    ...row,
    lastReadSeq: Math.max(row.lastReadSeq, Number(frame.lastReadSeq ?? 0)),
    lastDeliveredSeq: Math.max(row.lastDeliveredSeq, Number(frame.lastDeliveredSeq ?? 0)),
    unreadCount: typeof frame.unreadCount === "number" ? frame.unreadCount : row.unreadCount,
  });
}

/** Replays would be too long: page the gap over REST when it is modest, else start again from the newest page. */
async function handleLimited(frame: ServerFrame): Promise<void> {
  const id = frame.conversationId as string;
  const last = Number(frame.lastSeq);
  const after = Number(frame.afterSeq);
  if (frame.reason === "too_far_behind" && last - after <= 5_000) {
    await catchUp(id);
    return;
  }
  cursors.set(id, last);
  await refreshConversation(id);
  const tl = timelines.get(id);
  if (tl) {
    tl.window.value = emptyWindow;
    tl.recent = [];
    await loadLatest(tl);
  }
}

function handleTyping(frame: ServerFrame): void {
  const id = frame.conversationId as string;
  const user = frame.userId as string;
  if (!id || !user || user === me.value?.id) return;
  if (frame.state === "start") {
    const ttl = typeof frame.ttlMs === "number" ? frame.ttlMs : 6_000;
    typing.value = { ...typing.value, [id]: { ...(typing.value[id] ?? {}), [user]: Date.now() + ttl } };
    setTimeout(expireTyping, ttl + 50);
  } else {
    clearTyping(id, user);
  }
}

function clearTyping(id: string, user: string | null): void {
  if (!user || !typing.value[id]?.[user]) return;
  const rest = Object.fromEntries(Object.entries(typing.value[id]).filter(([u]) => u !== user));
  typing.value = { ...typing.value, [id]: rest };
}

function expireTyping(): void {
  const now = Date.now();
  let changed = false;
  const next: Record<string, Record<string, number>> = {};
  for (const [id, users] of Object.entries(typing.value)) {
    const kept: Record<string, number> = {};
    for (const [u, until] of Object.entries(users)) {
      if (until > now) kept[u] = until;
      else changed = true;
    }
    next[id] = kept;
  }
  if (changed) typing.value = next;
}

function handleError(frame: ServerFrame): void {
  const code = String(frame.code ?? "error");
  const clientMsgId = frame.clientMsgId as string | undefined;
  const sentence = errorSentence(code, (frame.message as string | undefined) ?? null, (frame.errors as Record<string, string[]>) ?? {});
  if (clientMsgId) {
    if (code === "unavailable" || code === "rate_limited") {
      // Not stored: send again (same clientMsgId) after the wait the server asks for.
      const wait = typeof frame.retryAfterMs === "number" ? frame.retryAfterMs : 2_000;
      outbox.value = outbox.value.map((o) => (o.clientMsgId === clientMsgId ? { ...o, sentAt: null } : o));
      setTimeout(flushOutbox, wait);
      return;
    }
    outbox.value = outboxRules.fail(outbox.value, clientMsgId, sentence);
    return;
  }
  if (code === "conversation_not_found" && typeof frame.conversationId === "string") {
    dropConversation(frame.conversationId);
    return;
  }
  if (code !== "rate_limited") notice.value = sentence;
}

// ---- Sending ----------------------------------------------------------------------------------

export function sendMessage(conversationId: string, body: string, replyToId: string | null, attachments: AttachmentRef[]): void {
  outbox.value = outboxRules.enqueue(outbox.value, {
    clientMsgId: outboxRules.newClientMsgId(),
    conversationId,
    body,
    replyToId,
    attachments,
    createdAt: new Date().toISOString(),
  });
  sendTyping(conversationId, "stop");
  flushOutbox();
  // Read far back, a message sent goes where it will stand: the newest end.
  const tl = timelines.get(conversationId);
  if (tl?.window.value.hasNewer) void jumpToLatest(tl);
}

export function retrySend(clientMsgId: string): void {
  outbox.value = outboxRules.retry(outbox.value, clientMsgId);
  flushOutbox();
}

export function discardSend(clientMsgId: string): void {
  outbox.value = outbox.value.filter((o) => o.clientMsgId !== clientMsgId);
}

function flushOutbox(): void {
  const now = Date.now();
  for (const item of outboxRules.due(outbox.value, now, 15_000)) {
    const frame: Record<string, unknown> = { type: "send", conversationId: item.conversationId, clientMsgId: item.clientMsgId, body: item.body };
    if (item.replyToId) frame.replyTo = item.replyToId;
    if (item.attachments.length > 0) frame.attachmentIds = item.attachments.map((a) => a.id);
    if (!gateway.send(frame)) return;
    outbox.value = outboxRules.markSent(outbox.value, item.clientMsgId, now);
  }
}

const typingSent = new Map<string, number>();
export function sendTyping(conversationId: string, state: "start" | "stop"): void {
  const last = typingSent.get(conversationId);
  if (state === "start") {
    if (last && Date.now() - last < 3_000) return;
    typingSent.set(conversationId, Date.now());
  } else {
    if (!last) return;
    typingSent.delete(conversationId);
  }
  gateway.send({ type: "typing", conversationId, state });
}

function queueReceipt(conversationId: string, kind: "read" | "delivered", seq: number): void {
  const p = pendingReceipts.get(conversationId) ?? { read: 0, delivered: 0, timer: undefined };
  p[kind] = Math.max(p[kind], seq);
  pendingReceipts.set(conversationId, p);
  clearTimeout(p.timer);
  p.timer = setTimeout(() => flushReceipts(conversationId), kind === "read" ? 150 : 400);
}

function flushReceipts(conversationId: string): void {
  const p = pendingReceipts.get(conversationId);
  if (!p) return;
  const row = conversations.value.get(conversationId);
  if (p.read > 0 && (!row || row.lastReadSeq < p.read)) {
    if (!gateway.send({ type: "read", conversationId, seq: p.read })) return;
  } else if (p.delivered > 0 && (!row || row.lastDeliveredSeq < p.delivered)) {
    if (!gateway.send({ type: "delivered", conversationId, seq: p.delivered })) return;
  }
  clearTimeout(p.timer);
  pendingReceipts.delete(conversationId);
}

/** Marks the conversation read up to its newest message, when something there is unread. */
export function markRead(conversationId: string): void {
  const row = conversations.value.get(conversationId);
  if (!row || !row.lastMessage) return;
  if (row.unreadCount === 0 && row.lastReadSeq >= row.lastMessage.seq) return;
  queueReceipt(conversationId, "read", row.lastSeq);
}

// ---- Timelines --------------------------------------------------------------------------------

export function timeline(id: string): TimelineState {
  let tl = timelines.get(id);
  if (!tl) {
    tl = {
      id,
      window: signal(emptyWindow),
      loadingOlder: signal(false),
      loadingNewer: signal(false),
      error: signal<string | null>(null),
      members: signal<Member[] | null>(null),
      readBy: signal({}),
      deliveredBy: signal({}),
      pins: signal<Message[] | null>(null),
      focus: signal(null),
      recent: [],
      usedAt: Date.now(),
      generation: 0,
      toEnd: signal(0),
    };
    timelines.set(id, tl);
    evictTimelines(id);
    void loadLatest(tl);
    void loadMembers(id);
  }
  tl.usedAt = Date.now();
  return tl;
}

function evictTimelines(keep: string): void {
  if (timelines.size <= keptTimelines) return;
  const candidates = [...timelines.values()].filter((t) => t.id !== keep && t.id !== openConversationId.value).sort((a, b) => a.usedAt - b.usedAt);
  while (timelines.size > keptTimelines && candidates.length > 0) timelines.delete(candidates.shift()!.id);
}

async function loadLatest(tl: TimelineState): Promise<void> {
  const generation = tl.generation;
  try {
    const page = await api.get<MessagePage>(`/api/v1/conversations/${tl.id}/messages?limit=${pageSize}`);
    if (tl.generation !== generation) return;
    tl.window.value = withLatest(tl.window.value, page);
    tl.error.value = null;
  } catch (e) {
    tl.error.value = (e as Error).message;
    if (e instanceof ApiError && e.status === 404) dropConversation(tl.id);
  }
}

export async function loadOlder(tl: TimelineState): Promise<void> {
  const w = tl.window.value;
  const first = firstSeq(w);
  if (!w.hasOlder || tl.loadingOlder.value || first === null) return;
  tl.loadingOlder.value = true;
  const generation = tl.generation;
  try {
    const page = await api.get<MessagePage>(`/api/v1/conversations/${tl.id}/messages?before=${first}&limit=${pageSize}`);
    if (tl.generation !== generation) return;
    tl.window.value = withOlder(tl.window.value, page);
  } catch (e) {
    tl.error.value = (e as Error).message;
  } finally {
    tl.loadingOlder.value = false;
  }
}

export async function loadNewer(tl: TimelineState): Promise<void> {
  const w = tl.window.value;
  const last = lastSeq(w);
  if (!w.hasNewer || tl.loadingNewer.value || last === null) return;
  tl.loadingNewer.value = true;
  const generation = tl.generation;
  try {
    const page = await api.get<MessagePage>(`/api/v1/conversations/${tl.id}/messages?after=${last}&limit=${pageSize}`);
    if (tl.generation !== generation) return;
    let next = withNewer(tl.window.value, page);
    if (!next.hasNewer) {
      // At the live end: what arrived live while the window was away joins it.
      const end = lastSeq(next) ?? 0;
      const missed = tl.recent.filter((m) => m.seq > end);
      for (const m of missed) next = withLive(next, m);
    }
    tl.window.value = next;
    if (!next.hasNewer) markRead(tl.id);
  } catch (e) {
    tl.error.value = (e as Error).message;
  } finally {
    tl.loadingNewer.value = false;
  }
}

/** Shows a message in its context: in place when the window holds it, else a window around it. */
export async function jumpTo(tl: TimelineState, messageId: string): Promise<boolean> {
  if (!tl.window.value.messages.some((m) => m.id === messageId)) {
    const generation = ++tl.generation;
    try {
      const page = await api.get<{ items: Message[] }>(`/api/v1/conversations/${tl.id}/messages/${messageId}/around?limit=51`);
      if (!page.items.some((m) => m.id === messageId) || tl.generation !== generation) return false;
      tl.window.value = aroundMessage(page, 51);
    } catch (e) {
      tl.error.value = (e as Error).message;
      return false;
    }
  }
  tl.focus.value = { messageId, at: Date.now() };
  return true;
}

/** Back to the newest page, as when the conversation opened. */
export async function jumpToLatest(tl: TimelineState): Promise<void> {
  if (!tl.window.value.hasNewer) return;
  // Pages still on their way for the window being left are dropped; the window stays until the newest page is here.
  const generation = ++tl.generation;
  try {
    const page = await api.get<MessagePage>(`/api/v1/conversations/${tl.id}/messages?limit=${pageSize}`);
    if (tl.generation !== generation) return;
    // What arrived live while the request was out (a message just sent, say) joins the new window.
    let next = withLatest(emptyWindow, page);
    const end = lastSeq(next) ?? 0;
    for (const m of tl.recent.filter((r) => r.seq > end)) next = withLive(next, m);
    batch(() => {
      tl.window.value = next;
      tl.toEnd.value++;
      tl.error.value = null;
    });
    markRead(tl.id);
  } catch (e) {
    tl.error.value = (e as Error).message;
  }
}

export async function loadMembers(id: string): Promise<void> {
  const tl = timelines.get(id);
  if (!tl) return;
  try {
    const members = await api.get<Member[]>(`/api/v1/conversations/${id}/members`);
    const readBy: Record<string, number> = { ...tl.readBy.value };
    const learnt: Record<string, string> = { ...names.value };
    for (const m of members) {
      readBy[m.userId] = Math.max(readBy[m.userId] ?? 0, m.lastReadSeq);
      learnt[m.userId] = m.displayName;
    }
    batch(() => {
      tl.members.value = members;
      tl.readBy.value = readBy;
      names.value = learnt;
    });
  } catch {
    // The timeline shows without member details; the next member event tries again.
  }
}

/** Learns titles and member names for conversations seen outside their timeline (search results). */
const learnt = new Set<string>();

export async function learnAbout(conversationIds: Iterable<string>): Promise<void> {
  const wanted = [...new Set(conversationIds)].filter((id) => !learnt.has(id));
  for (const id of wanted) learnt.add(id);
  await Promise.all(
    wanted.map(async (id) => {
      if (!conversations.value.has(id)) await fetchConversation(id);
      try {
        const members = await api.get<Member[]>(`/api/v1/conversations/${id}/members`);
        if (!me.value) return;
        const known: Record<string, string> = { ...names.value };
        for (const m of members) known[m.userId] = m.displayName;
        names.value = known;
      } catch {
        learnt.delete(id);
        // Names stay as "Someone"; the result still opens.
      }
    }),
  );
}

export async function loadPins(id: string): Promise<void> {
  const tl = timelines.get(id);
  if (!tl) return;
  try {
    tl.pins.value = await api.get<Message[]>(`/api/v1/conversations/${id}/pins`);
  } catch (e) {
    tl.error.value = (e as Error).message;
  }
}

export function myRole(id: string): Role | null {
  return conversations.value.get(id)?.role ?? null;
}

export function titleOf(id: string): string {
  const c = conversations.value.get(id);
  return c ? displayTitle(c, t.list.untitled) : "";
}

// ---- Notifications ----------------------------------------------------------------------------

let audio: AudioContext | null = null;

function notify(conversationId: string, message: Message): void {
  const row = conversations.value.get(conversationId);
  if (!row || isMuted(row)) return;
  if (!document.hidden && openConversationId.value === conversationId) return;
  if (prefs.value.sound) beep();
  if (!document.hidden || !prefs.value.notify || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const title = t.notification.title(displayTitle(row, t.list.untitled));
  const body = message.body ? `${nameOf(message.senderId)}: ${message.body.slice(0, 120)}` : nameOf(message.senderId);
  const n = new Notification(title, { body, tag: conversationId });
  n.onclick = () => {
    window.focus();
    window.dispatchEvent(new CustomEvent("confab:open", { detail: conversationId }));
    n.close();
  };
}

function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // No audio here; the sound is optional.
  }
}

if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    pageVisible.value = !document.hidden;
    const open = openConversationId.value;
    if (!document.hidden && open) markRead(open);
  });
}
