import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { navigate } from "../router";
import type { PresenceState } from "../api/types";
import { t } from "../strings";

/** An in-app link: a real <a href> (open in a new tab works) that navigates without reloading. */
interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  "aria-current"?: "page" | undefined;
  "aria-label"?: string;
}

export function Link({ href, children, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

const pictures = new Map<string, Promise<string>>();

/** A picture the server keeps (under /api/, so it needs the token): fetched once per address as an object URL. */
function usePicture(url: string | null | undefined): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    setSrc(null);
    if (!url || !url.startsWith("/api/")) return;
    let live = true;
    let pending = pictures.get(url);
    if (!pending) {
      pending = api.blobUrl(url);
      pictures.set(url, pending);
      pending.catch(() => pictures.delete(url));
    }
    pending.then(
      (value) => live && setSrc(value),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [url]);
  return src;
}

/**
 * The person's uploaded picture when there is one; otherwise initials on a colour derived from the id, so each
 * person is recognisable without an image. Pictures elsewhere on the web are not shown: the page loads nothing
 * from other origins.
 */
export function Avatar({ id, name, size = 36, url }: { id: string; name: string; size?: number; url?: string | null }) {
  const picture = usePicture(url);
  if (picture) {
    return <img class="avatar picture" src={picture} alt="" aria-hidden="true" width={size} height={size} style={{ width: `${size}px`, height: `${size}px` }} />;
  }
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  const hue = Math.abs(hash) % 360;
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0]?.toUpperCase() ?? "")
    .join("");
  return (
    <span class="avatar" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px`, background: `hsl(${hue} 45% 30%)` }}>
      {initials || "?"}
    </span>
  );
}

export function PresenceDot({ state }: { state: PresenceState | undefined }) {
  if (!state) return null;
  return (
    <span class={`presence ${state}`} title={t.presence[state]}>
      <span class="sr-only">{t.presence[state]}</span>
    </span>
  );
}

export function ErrorAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p class="muted" role="status">
      {label}
    </p>
  );
}
