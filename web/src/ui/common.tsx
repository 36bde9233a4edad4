import type { ComponentChildren } from "preact";
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

/** Initials on a colour derived from the id, so each person is recognisable without an image. */
export function Avatar({ id, name, size = 36 }: { id: string; name: string; size?: number }) {
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
