import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api/client";
import type { Conversation, UserProfile } from "../api/types";
import { conversationPath, navigate } from "../router";
import { me, refreshConversation } from "../state/store";
import { t } from "../strings";
import { Dialog } from "../ui/Dialog";
import { Avatar, ErrorAlert } from "../ui/common";

/** Finds users by username prefix as the user types (debounced), never listing oneself. */
export function useUserSearch(query: string): { users: UserProfile[]; error: string | null } {
  const [users, setUsers] = useState<UserProfile[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const q = query.trim().replace(/^@/, "");
    if (q === "") {
      setUsers([]);
      return;
    }
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const found = await api.get<UserProfile[]>(`/api/v1/users?prefix=${encodeURIComponent(q)}&limit=10`);
        if (live) {
          setUsers(found.filter((u) => u.id !== me.value?.id));
          setError(null);
        }
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);
  return { users, error };
}

async function create(body: unknown): Promise<Conversation> {
  const c = await api.post<Conversation>("/api/v1/conversations", body);
  await refreshConversation(c.id);
  return c;
}

export function NewDirectDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { users, error: searchError } = useUserSearch(query);

  const start = async (user: UserProfile) => {
    try {
      const c = await create({ kind: "direct", members: [user.id] });
      onClose();
      navigate(conversationPath(c.id));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t.common.error);
    }
  };

  return (
    <Dialog title={t.list.newDirect} onClose={onClose}>
      <label class="field">
        <span>{t.dialogs.findUser}</span>
        <input type="search" autoFocus value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <ErrorAlert message={error ?? searchError} />
      {query.trim() !== "" && users.length === 0 && <p class="muted">{t.dialogs.noUsers}</p>}
      <ul class="pick-list">
        {users.map((u) => (
          <li key={u.id}>
            <button type="button" class="pick" onClick={() => void start(u)}>
              <Avatar id={u.id} name={u.displayName} size={28} url={u.avatarUrl} />
              <span>
                {u.displayName} <span class="muted">@{u.username}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** Picks several users; also used to add members to a group. */
export function UserPicker({ selected, onChange, exclude = [] }: { selected: UserProfile[]; onChange: (users: UserProfile[]) => void; exclude?: string[] }) {
  const [query, setQuery] = useState("");
  const { users, error } = useUserSearch(query);
  const chosen = new Set(selected.map((u) => u.id));
  return (
    <div class="picker">
      <label class="field">
        <span>{t.dialogs.findUser}</span>
        <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <ErrorAlert message={error} />
      <ul class="pick-list">
        {users
          .filter((u) => !exclude.includes(u.id))
          .map((u) => (
            <li key={u.id}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={chosen.has(u.id)}
                  onChange={(e) => onChange(e.currentTarget.checked ? [...selected, u] : selected.filter((s) => s.id !== u.id))}
                />
                <span>
                  {u.displayName} <span class="muted">@{u.username}</span>
                </span>
              </label>
            </li>
          ))}
      </ul>
      {selected.length > 0 && (
        <p class="chips" aria-live="polite">
          <span class="sr-only">{t.dialogs.selected(selected.length)}: </span>
          {selected.map((u) => (
            <button key={u.id} type="button" class="chip" aria-label={`${t.dialogs.remove} ${u.displayName}`} onClick={() => onChange(selected.filter((s) => s.id !== u.id))}>
              {u.displayName} ×
            </button>
          ))}
        </p>
      )}
    </div>
  );
}

export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const [title, setTitle] = useState("");
  const [members, setMembers] = useState<UserProfile[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const c = await create({ kind: "group", title: title.trim(), members: members.map((m) => m.id) });
      onClose();
      navigate(conversationPath(c.id));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : t.common.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t.list.newGroup} onClose={onClose}>
      <form onSubmit={submit}>
        <label class="field">
          <span>{t.dialogs.groupTitle}</span>
          <input required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>{t.dialogs.groupMembers}</legend>
          <UserPicker selected={members} onChange={setMembers} />
        </fieldset>
        <ErrorAlert message={error} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onClose}>
            {t.dialogs.cancel}
          </button>
          <button type="submit" class="button primary" disabled={busy || title.trim() === ""}>
            {t.dialogs.create}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
