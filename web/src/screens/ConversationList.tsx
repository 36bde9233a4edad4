import { useMemo, useState } from "preact/hooks";
import type { Conversation } from "../api/types";
import { conversationPath } from "../router";
import { conversationList, listState, loadConversations, me, presence } from "../state/store";
import { displayTitle, isMuted } from "../state/conversations";
import { listTime } from "../format/time";
import { t } from "../strings";
import { Avatar, ErrorAlert, Link, PresenceDot, Spinner } from "../ui/common";
import { IconChat, IconGroup } from "../ui/icons";
import { memo } from "../ui/memo";
import { NewDirectDialog, NewGroupDialog } from "./NewConversation";

function previewText(c: Conversation, myId: string | undefined): string {
  const m = c.lastMessage;
  if (!m) return t.list.noMessages;
  const who = m.senderId === myId ? t.list.you : c.kind === "group" ? m.senderName : null;
  const text = m.deleted ? t.list.deleted : m.body === null ? t.timeline.encrypted : m.body.replace(/\s+/g, " ");
  return who ? `${who}: ${text}` : text;
}

function RowView({ c, active }: { c: Conversation; active: boolean }) {
  const title = displayTitle(c, t.list.untitled);
  const muted = isMuted(c);
  return (
    <li>
      <Link href={conversationPath(c.id)} class={`conversation-row${active ? " active" : ""}${c.unreadCount > 0 ? " unread" : ""}`} aria-current={active ? "page" : undefined}>
        <span class="row-avatar">
          <Avatar id={c.otherUserId ?? c.id} name={title} />
          {c.kind === "direct" && <PresenceDot state={c.otherUserId ? presence.value[c.otherUserId] : undefined} />}
        </span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-title">{title}</span>
            <time class="row-time" dateTime={c.lastActivityAt}>
              {listTime(c.lastActivityAt)}
            </time>
          </span>
          <span class="row-bottom">
            <span class="row-preview">{previewText(c, me.value?.id)}</span>
            {muted && <span class="tag">{t.list.muted}</span>}
            {c.unreadCount > 0 && (
              <span class={`badge${muted ? " quiet" : ""}`}>
                {c.unreadCount}
                <span class="sr-only"> unread</span>
              </span>
            )}
          </span>
        </span>
      </Link>
    </li>
  );
}

// A row draws again only when its conversation or its selection changed, not at every event elsewhere.
const Row = memo(RowView);

/**
 * The list as the shell places it. It reads no signal itself, so it never renders on its own: the part that
 * does (ListBody) is then known to the renderer only through this component's current children, and the
 * shell's props never hold an old tree of the list alive.
 */
export function ConversationList({ activeId }: { activeId: string | null }) {
  return <ListBody activeId={activeId} />;
}

function ListBody({ activeId }: { activeId: string | null }) {
  const [filter, setFilter] = useState("");
  const [dialog, setDialog] = useState<"direct" | "group" | null>(null);
  const all = conversationList.value;
  const state = listState.value;
  const shown = useMemo(() => {
    const q = filter.trim().toLocaleLowerCase();
    if (!q) return all;
    return all.filter((c) => displayTitle(c, t.list.untitled).toLocaleLowerCase().includes(q) || (c.otherUsername ?? "").toLowerCase().includes(q));
  }, [all, filter]);

  return (
    <section class="list">
      <div class="list-tools">
        <label class="sr-only" for="conversation-filter">
          {t.list.filter}
        </label>
        <input
          id="conversation-filter"
          type="search"
          placeholder={t.list.filter}
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && shown[0]) {
              e.preventDefault();
              (document.querySelector(".conversation-row") as HTMLElement | null)?.click();
            } else if (e.key === "Escape") {
              setFilter("");
            }
          }}
        />
        <button type="button" class="icon-button" aria-label={t.list.newDirect} title={t.list.newDirect} onClick={() => setDialog("direct")}>
          <IconChat />
        </button>
        <button type="button" class="icon-button" aria-label={t.list.newGroup} title={t.list.newGroup} onClick={() => setDialog("group")}>
          <IconGroup />
        </button>
      </div>
      <ErrorAlert message={state.error} />
      <nav aria-label={t.list.nav} class="list-nav">
        {!state.loaded ? (
          <Spinner label={t.common.loading} />
        ) : shown.length === 0 ? (
          <p class="muted list-empty">{all.length === 0 ? t.list.empty : t.list.noMatch}</p>
        ) : (
          <ul>
            {shown.map((c) => (
              <Row key={c.id} c={c} active={c.id === activeId} />
            ))}
          </ul>
        )}
        {state.nextCursor && !filter && (
          <button type="button" class="link-button" onClick={() => void loadConversations(state.nextCursor)}>
            {t.list.loadMore}
          </button>
        )}
      </nav>
      {dialog === "direct" && <NewDirectDialog onClose={() => setDialog(null)} />}
      {dialog === "group" && <NewGroupDialog onClose={() => setDialog(null)} />}
    </section>
  );
}
