import { describe, expect, it } from "vitest";
import type { Message } from "../api/types";
import { acknowledge, deliveryStatus, due, enqueue, fail, markSent, resetInFlight, retry, unconfirmed, type OutboxItem } from "./outbox";

const item = (clientMsgId: string, conversationId = "c") => ({ clientMsgId, conversationId, body: "hi", replyToId: null, attachments: [], createdAt: "2026-01-01T00:00:00Z" });

describe("the outbox", () => {
  it("sends a new item, waits for the ack, and resends only what went unanswered", () => {
    let box: OutboxItem[] = enqueue([], item("a"));
    expect(due(box, 1000, 15000).map((o) => o.clientMsgId)).toEqual(["a"]);
    box = markSent(box, "a", 1000);
    expect(due(box, 5000, 15000)).toEqual([]);
    expect(due(box, 16000, 15000).map((o) => o.clientMsgId)).toEqual(["a"]);
    box = resetInFlight(box);
    expect(due(box, 1001, 15000).map((o) => o.clientMsgId)).toEqual(["a"]);
  });

  it("marks a refused send failed with its reason and retries it with the same clientMsgId", () => {
    let box = markSent(enqueue([], item("a")), "a", 1);
    box = fail(box, "a", "You cannot do that: one of you has blocked the other.");
    expect(box[0]!.status).toBe("failed");
    expect(due(box, 100000, 1)).toEqual([]);
    box = retry(box, "a");
    expect(box[0]!.status).toBe("pending");
    expect(box[0]!.clientMsgId).toBe("a");
    expect(due(box, 2, 15000).length).toBe(1);
  });

  it("drops an item once the server acknowledged it, and the timeline shows the stored message instead", () => {
    let box = enqueue(enqueue([], item("a")), item("b"));
    const stored = [{ clientMsgId: "a" } as Message];
    expect(unconfirmed(box, "c", stored).map((o) => o.clientMsgId)).toEqual(["b"]);
    box = acknowledge(box, "a");
    expect(box.map((o) => o.clientMsgId)).toEqual(["b"]);
    expect(acknowledge(box, "zzz")).toBe(box);
  });

  it("keeps other conversations' items out of a timeline", () => {
    const box = enqueue(enqueue([], item("a", "c1")), item("b", "c2"));
    expect(unconfirmed(box, "c2", []).map((o) => o.clientMsgId)).toEqual(["b"]);
  });
});

describe("delivery ticks", () => {
  it("goes sent, delivered, read as the others' watermarks pass the message", () => {
    expect(deliveryStatus(10, ["b"], {}, {})).toBe("sent");
    expect(deliveryStatus(10, ["b"], {}, { b: 10 })).toBe("delivered");
    expect(deliveryStatus(10, ["b"], { b: 12 }, {})).toBe("read");
    expect(deliveryStatus(10, ["b", "c"], { b: 12 }, { c: 9 })).toBe("sent");
    expect(deliveryStatus(10, ["b", "c"], { b: 12 }, { c: 11 })).toBe("delivered");
    expect(deliveryStatus(10, [], {}, {})).toBe("sent");
  });
});
