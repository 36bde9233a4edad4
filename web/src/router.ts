// Client routes in the address bar (the server answers every one of them with index.html).

import { signal } from "@preact/signals";

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export const route = signal<Location>(current());

window.addEventListener("popstate", () => {
  route.value = current();
});

export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  route.value = current();
}

/** The conversation id of a /c/{id} path. */
export function conversationIdOf(path: string): string | null {
  const match = /^\/c\/([^/]+)$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : null;
}

export function conversationPath(id: string, messageId?: string): string {
  return `/c/${encodeURIComponent(id)}${messageId ? `?m=${encodeURIComponent(messageId)}` : ""}`;
}
