import { describe, expect, it } from "vitest";
import { highlight, parseInline, parseMessage, safeHref } from "./parse";

describe("formatting", () => {
  it("finds bold, italic, inline code and links", () => {
    expect(parseInline("a **b** _c_ `d` https://x.test/p.")).toEqual([
      { type: "text", text: "a " },
      { type: "bold", children: [{ type: "text", text: "b" }] },
      { type: "text", text: " " },
      { type: "italic", children: [{ type: "text", text: "c" }] },
      { type: "text", text: " " },
      { type: "code", text: "d" },
      { type: "text", text: " " },
      { type: "link", href: "https://x.test/p", text: "https://x.test/p" },
      { type: "text", text: "." },
    ]);
  });

  it("keeps code blocks verbatim, markup included", () => {
    expect(parseMessage("before\n```js\nconst a = **1**;\n```\nafter")).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "before" }] },
      { type: "codeblock", text: "const a = **1**;" },
      { type: "paragraph", children: [{ type: "text", text: "after" }] },
    ]);
  });

  it("never links a javascript: or data: address, in any spelling", () => {
    for (const raw of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<b>", "vbscript:x"]) {
      expect(safeHref(raw)).toBeNull();
    }
    const nodes = parseInline("[click](javascript:window.__pwned=1) and javascript:alert(1)");
    expect(nodes.every((n) => n.type === "text")).toBe(true);
    expect(safeHref("mailto:a@b.test")).toBe("mailto:a@b.test");
  });

  it("leaves HTML as text", () => {
    const nodes = parseMessage("<img src=x onerror=alert(1)><script>x</script>");
    expect(nodes).toEqual([{ type: "paragraph", children: [{ type: "text", text: "<img src=x onerror=alert(1)><script>x</script>" }] }]);
  });

  it("does not take snake_case or a lone star for emphasis", () => {
    expect(parseInline("snake_case_name and 2 * 3")).toEqual([{ type: "text", text: "snake_case_name and 2 * 3" }]);
  });
});

describe("search highlights", () => {
  it("marks the ranges at UTF-16 offsets, emoji included", () => {
    const snippet = "we 🎉 party in 北京";
    const at = snippet.indexOf("🎉");
    expect(highlight(snippet, [{ start: at, length: 2 }, { start: snippet.indexOf("北京"), length: 2 }])).toEqual([
      { text: "we ", mark: false },
      { text: "🎉", mark: true },
      { text: " party in ", mark: false },
      { text: "北京", mark: true },
    ]);
  });

  it("ignores ranges out of bounds and overlapping ones", () => {
    expect(highlight("abcdef", [{ start: 1, length: 3 }, { start: 2, length: 3 }, { start: 40, length: 2 }])).toEqual([
      { text: "a", mark: false },
      { text: "bcd", mark: true },
      { text: "e", mark: true },
      { text: "f", mark: false },
    ]);
  });
});
