import type { JSX } from "preact";
import { parseMessage, type Inline } from "../format/parse";

function renderInline(nodes: Inline[], keyPrefix: string): (JSX.Element | string)[] {
  return nodes.map((n, i) => {
    const key = `${keyPrefix}${i}`;
    switch (n.type) {
      case "text":
        return n.text;
      case "bold":
        return <strong key={key}>{renderInline(n.children, `${key}.`)}</strong>;
      case "italic":
        return <em key={key}>{renderInline(n.children, `${key}.`)}</em>;
      case "code":
        return <code key={key}>{n.text}</code>;
      case "link":
        return (
          <a key={key} href={n.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {n.text}
          </a>
        );
    }
  });
}

/** A message body as elements: text nodes, never parsed HTML. */
export function RichText({ text }: { text: string }) {
  const blocks = parseMessage(text);
  return (
    <>
      {blocks.map((b, i) =>
        b.type === "codeblock" ? (
          <pre key={i}>
            <code>{b.text}</code>
          </pre>
        ) : (
          <p key={i}>{renderInline(b.children, `${i}.`)}</p>
        ),
      )}
    </>
  );
}
