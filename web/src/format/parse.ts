// Message formatting as data: the body is scanned into a small tree (paragraphs, code blocks, bold,
// italic, inline code, links) that the view turns into elements. Nothing in a body is ever treated as
// HTML, and a link is made only for http, https and mailto addresses.

export type Inline =
  | { type: "text"; text: string }
  | { type: "bold"; children: Inline[] }
  | { type: "italic"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "link"; href: string; text: string };

export type Block = { type: "paragraph"; children: Inline[] } | { type: "codeblock"; text: string };

const allowedSchemes = /^(https?:\/\/|mailto:)/i;

/** The address to link to, or null when it is not one a click may open. */
export function safeHref(raw: string): string | null {
  const trimmed = raw.trim();
  if (!allowedSchemes.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:") return null;
    return url.href;
  } catch {
    return null;
  }
}

export function parseMessage(body: string): Block[] {
  const blocks: Block[] = [];
  const fence = /```([^\n`]*)\n?([\s\S]*?)```/g;
  let at = 0;
  for (let match = fence.exec(body); match; match = fence.exec(body)) {
    if (match.index > at) pushParagraph(blocks, body.slice(at, match.index));
    const language = match[1] ?? "";
    const content = match[2] ?? "";
    // "```js\ncode```" names a language; "```code```" on one line is all code.
    const text = content === "" && language !== "" ? language : content;
    blocks.push({ type: "codeblock", text: text.replace(/\n$/, "") });
    at = match.index + match[0].length;
  }
  if (at < body.length) pushParagraph(blocks, body.slice(at));
  return blocks;
}

function pushParagraph(blocks: Block[], text: string): void {
  const trimmed = text.replace(/^\n+|\n+$/g, "");
  if (trimmed !== "") blocks.push({ type: "paragraph", children: parseInline(trimmed) });
}

const urlPattern = /(?:https?:\/\/|mailto:)[^\s<>"]+/iy;
const trailing = /[.,;:!?)\]}'"]+$/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const flush = () => {
    if (buffer !== "") out.push({ type: "text", text: buffer });
    buffer = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: "code", text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (ch === "*" && text[i + 1] === "*") {
      const end = text.indexOf("**", i + 2);
      if (end > i + 2) {
        flush();
        out.push({ type: "bold", children: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if ((ch === "*" || ch === "_") && text[i + 1] !== ch && text[i + 1] !== " " && wordBoundaryBefore(text, i)) {
      const end = findClosing(text, ch, i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: "italic", children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === "[") {
      const close = text.indexOf("](", i + 1);
      const paren = close > i ? text.indexOf(")", close + 2) : -1;
      if (close > i + 1 && paren > close + 2) {
        const label = text.slice(i + 1, close);
        const href = safeHref(text.slice(close + 2, paren));
        if (href && !label.includes("\n")) {
          flush();
          out.push({ type: "link", href, text: label });
          i = paren + 1;
          continue;
        }
      }
    }
    if ((ch === "h" || ch === "H" || ch === "m" || ch === "M") && wordBoundaryBefore(text, i)) {
      urlPattern.lastIndex = i;
      const match = urlPattern.exec(text);
      if (match) {
        const raw = match[0].replace(trailing, "");
        const href = safeHref(raw);
        if (href && raw.length > raw.indexOf(":") + 1) {
          flush();
          out.push({ type: "link", href, text: raw });
          i += raw.length;
          continue;
        }
      }
    }
    buffer += ch;
    i++;
  }
  flush();
  return out;
}

function wordBoundaryBefore(text: string, i: number): boolean {
  if (i === 0) return true;
  return !/[\p{L}\p{N}_]/u.test(text[i - 1]!);
}

function findClosing(text: string, marker: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === "\n") return -1;
    if (text[j] === marker && text[j - 1] !== " " && (j + 1 >= text.length || !/[\p{L}\p{N}]/u.test(text[j + 1]!))) return j;
  }
  return -1;
}

/** Splits a snippet at the server's highlight offsets (UTF-16, as JavaScript counts). */
export function highlight(snippet: string, ranges: readonly { start: number; length: number }[]): { text: string; mark: boolean }[] {
  const sorted = [...ranges].filter((r) => r.length > 0 && r.start >= 0 && r.start < snippet.length).sort((a, b) => a.start - b.start);
  const parts: { text: string; mark: boolean }[] = [];
  let at = 0;
  for (const r of sorted) {
    const start = Math.max(r.start, at);
    const end = Math.min(snippet.length, r.start + r.length);
    if (end <= start) continue;
    if (start > at) parts.push({ text: snippet.slice(at, start), mark: false });
    parts.push({ text: snippet.slice(start, end), mark: true });
    at = end;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), mark: false });
  return parts;
}
