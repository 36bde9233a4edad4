// Where the tokens live: localStorage when the user chose "Stay signed in" (shared by the tabs, kept
// across restarts), otherwise sessionStorage (this tab only, gone when it closes).

export interface StoredSession {
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: string;
  refreshExpiresAt: string;
  persistent: boolean;
}

const key = "confab.session";

function read(storage: Storage): StoredSession | null {
  try {
    const raw = storage.getItem(key);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof value.accessToken !== "string" || typeof value.refreshToken !== "string" || typeof value.sessionId !== "string") return null;
    return value as StoredSession;
  } catch {
    return null;
  }
}

export function loadSession(): StoredSession | null {
  return read(localStorage) ?? read(sessionStorage);
}

export function saveSession(session: StoredSession): void {
  const target = session.persistent ? localStorage : sessionStorage;
  const other = session.persistent ? sessionStorage : localStorage;
  other.removeItem(key);
  target.setItem(key, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(key);
  sessionStorage.removeItem(key);
}

/** Reports sign-outs and token rotations made by another tab (localStorage only). */
export function onSessionChangedElsewhere(listener: (session: StoredSession | null) => void): () => void {
  const handler = (e: StorageEvent) => {
    if (e.key === key && e.storageArea === localStorage) listener(read(localStorage));
  };
  window.addEventListener("storage", handler);
  return () => window.removeEventListener("storage", handler);
}
