import { describe, expect, it } from "vitest";
import type { Message } from "../api/types";
import { aroundMessage, emptyWindow, mergeMessages, withLatest, withLive, withNewer, withOlder } from "./timeline";

function msg(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    conversationId: "c",
    seq,
    senderId: "u1",
    clientMsgId: null,
    kind: "text",
    body: `body ${seq}`,
    ciphertext: null,
    replyToId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    editedAt: null,
    deletedAt: null,
    ...extra,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (list: Message[]) => list.map((m) => m.seq);

describe("mergeMessages", () => {
  it("keeps one copy per id in seq order whatever order they come in", () => {
    const merged = mergeMessages([msg(3), msg(5)], [msg(4), msg(3), msg(1), msg(5)]);
    expect(seqs(merged)).toEqual([1, 3, 4, 5]);
  });

  it("takes the newer copy of a message but never undoes a deletion", () => {
    const edited = msg(2, { body: "edited", editedAt: "2026-01-02T00:00:00Z" });
    const deleted = msg(2, { body: null, deletedAt: "2026-01-03T00:00:00Z" });
    expect(mergeMessages([msg(2)], [edited])[0]!.body).toBe("edited");
    const afterDelete = mergeMessages([edited], [deleted]);
    expect(afterDelete[0]!.deletedAt).not.toBeNull();
    expect(mergeMessages(afterDelete, [edited])[0]!.deletedAt).not.toBeNull();
  });
});

describe("the window", () => {
  it("opens on the newest page and keeps messages that arrived live before it", () => {
    const live = withLive(emptyWindow, msg(51));
    const w = withLatest(live, { items: range(2, 51), hasMore: true });
    expect(seqs(w.messages)).toEqual(range(2, 51).map((m) => m.seq));
    expect(w.hasOlder).toBe(true);
    expect(w.hasNewer).toBe(false);
  });

  it("pages back and drops the newest end past the limit, so the DOM stays bounded", () => {
    let w = withLatest(emptyWindow, { items: range(951, 1000), hasMore: true }, 120);
    w = withOlder(w, { items: range(901, 950), hasMore: true }, 120);
    w = withOlder(w, { items: range(851, 900), hasMore: true }, 120);
    expect(w.messages.length).toBe(120);
    expect(w.messages[0]!.seq).toBe(851);
    expect(w.messages[119]!.seq).toBe(970);
    expect(w.hasNewer).toBe(true);
    expect(w.hasOlder).toBe(true);
  });

  it("pages forward again to the live end, dropping the oldest end", () => {
    let w = aroundMessage({ items: range(100, 150) }, 51);
    expect(w.hasNewer).toBe(true);
    w = withNewer(w, { items: range(151, 200), hasMore: true }, 80);
    expect(w.messages[0]!.seq).toBe(121);
    expect(w.hasOlder).toBe(true);
    w = withNewer(w, { items: range(201, 210), hasMore: false }, 80);
    expect(w.hasNewer).toBe(false);
    expect(w.messages[w.messages.length - 1]!.seq).toBe(210);
  });

  it("appends a live message at the live end only, once", () => {
    const atEnd = withLatest(emptyWindow, { items: range(1, 10), hasMore: false });
    const once = withLive(withLive(atEnd, msg(11)), msg(11));
    expect(seqs(once.messages)).toEqual(range(1, 11).map((m) => m.seq));
    const away = aroundMessage({ items: range(1, 5) }, 51);
    expect(withLive(away, msg(11))).toBe(away);
  });

  it("replaces a held message that changed even away from the live end", () => {
    const away = aroundMessage({ items: range(1, 5) }, 51);
    const w = withLive(away, msg(3, { body: "new" }));
    expect(w.messages.find((m) => m.seq === 3)!.body).toBe("new");
  });

  it("keeps the window bounded under live traffic", () => {
    let w = withLatest(emptyWindow, { items: range(1, 50), hasMore: false }, 100);
    for (let s = 51; s <= 1000; s++) w = withLive(w, msg(s), 100);
    expect(w.messages.length).toBe(100);
    expect(w.messages[0]!.seq).toBe(901);
    expect(w.hasOlder).toBe(true);
  });
});
