import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Contact, Conversation, UserProfile } from "../api/types";
import { conversationPath, navigate } from "../router";
import { contactsVersion, refreshConversation } from "../state/store";
import { t } from "../strings";
import { Avatar, ErrorAlert, Spinner } from "../ui/common";
import { useUserSearch } from "./NewConversation";

async function openDirect(userId: string): Promise<void> {
  const c = await api.post<Conversation>("/api/v1/conversations", { kind: "direct", members: [userId] });
  await refreshConversation(c.id);
  navigate(conversationPath(c.id));
}

interface Action {
  label: string;
  run: () => Promise<unknown>;
  danger?: boolean;
}

function ContactRow({ contact, actions, onError }: { contact: Contact; actions: Action[]; onError: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <li class="contact-row">
      <Avatar id={contact.userId} name={contact.displayName} size={32} />
      <span class="contact-name">
        {contact.displayName} <span class="muted">@{contact.username}</span>
      </span>
      <span class="contact-actions">
        {actions.map((a) => (
          <button
            key={a.label}
            type="button"
            class={a.danger ? "button small danger" : "button small"}
            disabled={busy}
            aria-label={`${a.label} ${contact.displayName}`}
            onClick={async () => {
              setBusy(true);
              try {
                await a.run();
              } catch (e) {
                onError((e as Error).message);
              } finally {
                setBusy(false);
              }
            }}
          >
            {a.label}
          </button>
        ))}
      </span>
    </li>
  );
}

function Section({ title, children, count }: { title: string; count: number; children: ComponentChildren }) {
  const id = `contacts-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section class="contact-section" aria-labelledby={id}>
      <h2 id={id}>
        {title} <span class="muted">({count})</span>
      </h2>
      {count === 0 ? <p class="muted">{t.contacts.none}</p> : <ul class="contact-list">{children}</ul>}
    </section>
  );
}

/** Requests in and out, contacts and blocks; each change is followed by the server's own list. */
export function ContactsScreen() {
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const { users, error: searchError } = useUserSearch(query);

  const reload = async () => {
    try {
      const lists = await Promise.all(
        (["pending", "accepted", "blocked"] as const).map((status) => api.get<Contact[]>(`/api/v1/contacts?status=${status}`)),
      );
      setContacts(lists.flat());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  // Contact events from the socket bump the version, so another device's answer shows here at once.
  useEffect(() => {
    void reload();
  }, [contactsVersion.value]);

  const act = (run: () => Promise<unknown>) => async () => {
    setMessage(null);
    await run();
    await reload();
  };

  const path = (userId: string, suffix = "") => `/api/v1/contacts/${encodeURIComponent(userId)}${suffix}`;
  const block = (c: { userId: string }): Action => ({ label: t.contacts.block, danger: true, run: act(() => api.put(path(c.userId, "/block"))) });
  const talk = (c: { userId: string }): Action => ({ label: t.contacts.message, run: () => openDirect(c.userId) });

  const all = contacts ?? [];
  const incoming = all.filter((c) => c.status === "pending" && !c.outgoing);
  const outgoing = all.filter((c) => c.status === "pending" && c.outgoing);
  const accepted = all.filter((c) => c.status === "accepted");
  const blocked = all.filter((c) => c.status === "blocked" && c.blockedByMe);
  const known = new Set(all.map((c) => c.userId));

  return (
    <section class="page" aria-labelledby="contacts-heading">
      <h1 id="contacts-heading">{t.contacts.heading}</h1>
      <ErrorAlert message={error} />
      {message && <p role="status">{message}</p>}

      <section class="contact-section" aria-labelledby="contacts-find">
        <h2 id="contacts-find">{t.contacts.find}</h2>
        <label class="field">
          <span>{t.dialogs.findUser}</span>
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <ErrorAlert message={searchError} />
        {query.trim() !== "" && users.length === 0 && <p class="muted">{t.dialogs.noUsers}</p>}
        <ul class="contact-list">
          {users.map((u: UserProfile) => (
            <ContactRow
              key={u.id}
              contact={{ userId: u.id, username: u.username, displayName: u.displayName, status: "declined", outgoing: false, blockedByMe: false, updatedAt: "" }}
              onError={setError}
              actions={[
                ...(known.has(u.id)
                  ? []
                  : [
                      {
                        label: t.contacts.add,
                        run: act(async () => {
                          await api.post(path(u.id));
                          setMessage(t.contacts.requestSent);
                        }),
                      },
                    ]),
                talk({ userId: u.id }),
              ]}
            />
          ))}
        </ul>
      </section>

      {contacts === null && !error ? (
        <Spinner label={t.common.loading} />
      ) : (
        <>
          <Section title={t.contacts.incoming} count={incoming.length}>
            {incoming.map((c) => (
              <ContactRow
                key={c.userId}
                contact={c}
                onError={setError}
                actions={[
                  { label: t.contacts.accept, run: act(() => api.post(path(c.userId, "/accept"))) },
                  { label: t.contacts.decline, run: act(() => api.post(path(c.userId, "/decline"))) },
                  block(c),
                ]}
              />
            ))}
          </Section>
          <Section title={t.contacts.outgoing} count={outgoing.length}>
            {outgoing.map((c) => (
              <ContactRow key={c.userId} contact={c} onError={setError} actions={[{ label: t.contacts.withdraw, run: act(() => api.delete(path(c.userId))) }, block(c)]} />
            ))}
          </Section>
          <Section title={t.contacts.accepted} count={accepted.length}>
            {accepted.map((c) => (
              <ContactRow
                key={c.userId}
                contact={c}
                onError={setError}
                actions={[talk(c), { label: t.contacts.remove, run: act(() => api.delete(path(c.userId))) }, block(c)]}
              />
            ))}
          </Section>
          <Section title={t.contacts.blocked} count={blocked.length}>
            {blocked.map((c) => (
              <ContactRow key={c.userId} contact={c} onError={setError} actions={[{ label: t.contacts.unblock, run: act(() => api.delete(path(c.userId, "/block"))) }]} />
            ))}
          </Section>
        </>
      )}
    </section>
  );
}
