import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff";
import { Cursors } from "./cursors";

describe("reconnect back-off", () => {
  it("doubles from half a second up to the cap, with jitter in the upper half", () => {
    expect(reconnectDelay(0, () => 0)).toBe(250);
    expect(reconnectDelay(0, () => 1)).toBe(500);
    expect(reconnectDelay(3, () => 0)).toBe(2000);
    expect(reconnectDelay(3, () => 1)).toBe(4000);
    expect(reconnectDelay(20, () => 1)).toBe(30000);
    expect(reconnectDelay(1000, () => 0.5)).toBe(22500);
  });

  it("spreads clients that retry at the same moment", () => {
    const values = new Set(Array.from({ length: 50 }, () => reconnectDelay(4)));
    expect(values.size).toBeGreaterThan(20);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(4000);
      expect(v).toBeLessThanOrEqual(8000);
    }
  });
});

describe("cursors", () => {
  it("takes the next seq, drops repeats and reports gaps", () => {
    const c = new Cursors();
    c.set("a", 5);
    expect(c.accept("a", 6)).toBe("new");
    expect(c.accept("a", 6)).toBe("duplicate");
    expect(c.accept("a", 3)).toBe("duplicate");
    expect(c.accept("a", 9)).toBe("gap");
    expect(c.get("a")).toBe(6);
    expect(c.accept("a", 7)).toBe("new");
  });

  it("follows a conversation it did not know from its first event", () => {
    const c = new Cursors();
    expect(c.accept("b", 40)).toBe("new");
    expect(c.accept("b", 41)).toBe("new");
    expect(c.toObject()).toEqual({ b: 41 });
  });

  it("moves forward only when advanced, and names at most the limit in a hello", () => {
    const c = new Cursors();
    c.set("a", 10);
    c.advance("a", 4);
    expect(c.get("a")).toBe(10);
    c.advance("a", 12);
    expect(c.get("a")).toBe(12);
    for (let i = 0; i < 10; i++) c.set(`x${i}`, i);
    expect(Object.keys(c.toObject(5)).length).toBe(5);
  });
});
