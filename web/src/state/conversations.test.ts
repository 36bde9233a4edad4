import { describe, expect, it } from "vitest";
import type { ChatEvent, Conversation, Message } from "../api/types";
import { applyEvent, byActivity, displayTitle, totalUnread } from "./conversations";

const base: Conversation = {
  id: "c",
  kind: "direct",
  title: null,
  role: "member",
  lastSeq: 10,
  messageCount: 5,
  lastReadSeq: 10,
  lastDeliveredSeq: 10,
  unreadCount: 0,
  mutedUntil: null,
  lastActivityAt: "2026-01-01T00:00:00Z",
  createdAt: "2026-01-01T00:00:00Z",
  otherUserId: "bob",
  otherUsername: "bob",
  otherDisplayName: "Bob",
  lastMessage: null,
};

function created(seq: number, senderId: string): ChatEvent {
  const message = { id: `m${seq}`, conversationId: "c", seq, senderId, body: "hi", deletedAt: null, createdAt: `2026-01-02T00:00:${String(seq).padStart(2, "0")}Z` } as Message;
  return { conversationId: "c", seq, kind: "message.created", createdAt: message.createdAt, data: { messageId: message.id, message } };
}

describe("unread counting", () => {
  it("counts others' messages while the conversation is not in view", () => {
    let c = applyEvent(base, created(11, "bob"), "me", false);
    c = applyEvent(c, created(12, "bob"), "me", false);
    expect(c.unreadCount).toBe(2);
    expect(c.lastSeq).toBe(12);
    expect(c.messageCount).toBe(7);
    expect(c.lastMessage?.id).toBe("m12");
  });

  it("does not count what arrives in view, and my own message reads the conversation", () => {
    expect(applyEvent(base, created(11, "bob"), "me", true).unreadCount).toBe(0);
    const unread = applyEvent(base, created(11, "bob"), "me", false);
    const mine = applyEvent(unread, created(12, "me"), "me", false);
    expect(mine.unreadCount).toBe(0);
    expect(mine.lastReadSeq).toBe(12);
  });

  it("clears on my read receipt that reaches the last message, not before", () => {
    let c = applyEvent(base, created(11, "bob"), "me", false);
    c = applyEvent(c, created(12, "bob"), "me", false);
    const partial = applyEvent(c, { conversationId: "c", seq: 13, kind: "receipt.read", createdAt: "", data: { userId: "me", seq: 11 } }, "me", false);
    expect(partial.unreadCount).toBe(2);
    const full = applyEvent(c, { conversationId: "c", seq: 13, kind: "receipt.read", createdAt: "", data: { userId: "me", seq: 12 } }, "me", false);
    expect(full.unreadCount).toBe(0);
    const others = applyEvent(c, { conversationId: "c", seq: 13, kind: "receipt.read", createdAt: "", data: { userId: "bob", seq: 12 } }, "me", false);
    expect(others.unreadCount).toBe(2);
  });

  it("leaves muted conversations out of the total", () => {
    const muted = { ...base, id: "m", unreadCount: 4, mutedUntil: "2999-01-01T00:00:00Z" };
    const loud = { ...base, unreadCount: 3 };
    const expired = { ...base, id: "e", unreadCount: 2, mutedUntil: "2000-01-01T00:00:00Z" };
    expect(totalUnread([muted, loud, expired])).toBe(5);
  });
});

describe("the list", () => {
  it("orders by the latest activity first", () => {
    const older = { ...base, id: "a", lastActivityAt: "2026-01-01T00:00:00Z" };
    const newer = { ...base, id: "b", lastActivityAt: "2026-01-03T00:00:00Z" };
    expect([older, newer].sort(byActivity).map((c) => c.id)).toEqual(["b", "a"]);
  });

  it("titles a direct conversation by the other member and a group by its title", () => {
    expect(displayTitle(base, "x")).toBe("Bob");
    expect(displayTitle({ ...base, kind: "group", title: "Team" }, "x")).toBe("Team");
    expect(displayTitle({ ...base, kind: "group", title: null }, "Untitled")).toBe("Untitled");
  });
});
