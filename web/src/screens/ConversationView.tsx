import { useComputed } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api/client";
import type { Message } from "../api/types";
import { navigate, route } from "../router";
import {
  conversations,
  discardSend,
  jumpTo,
  loadPins,
  markRead,
  me,
  nameOf,
  presence,
  retrySend,
  timeline,
  typing,
} from "../state/store";
import { t } from "../strings";
import { ErrorAlert, Link, PresenceDot } from "../ui/common";
import { Confirm } from "../ui/Dialog";
import { IconBack, IconInfo, IconPin, IconSearch } from "../ui/icons";
import { Composer, type ComposerHandle } from "./Composer";
import type { MessageActions } from "./MessageItem";
import { Timeline } from "./Timeline";
import { displayTitle } from "../state/conversations";
import { DetailsPanel, PinsPanel } from "./ConversationPanels";

function TypingLine({ id }: { id: string }) {
  const who = Object.keys(typing.value[id] ?? {}).map((u) => nameOf(u));
  return (
    <div class="typing" role="status">
      {who.length > 0 ? t.timeline.typing(who) : ""}
    </div>
  );
}

/** The conversation as the shell places it; it reads no signal, so no old tree of the pane stays in the shell's props. */
export function ConversationView({ id }: { id: string }) {
  return <ConversationPane id={id} />;
}

function ConversationPane({ id }: { id: string }) {
  // Only this conversation's row: traffic in the others leaves the open one as it is.
  const row = useComputed(() => conversations.value.get(id));
  const conversation = row.value;
  const tl = timeline(id);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [deleting, setDeleting] = useState<Message | null>(null);
  const [panel, setPanel] = useState<"details" | "pins" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [replyTargets, setReplyTargets] = useState<ReadonlyMap<string, Message | null>>(new Map());
  const composer = useRef<ComposerHandle | null>(null);
  const focusId = route.value.query.get("m");

  useEffect(() => {
    void loadPins(id);
    markRead(id);
  }, [id]);

  useEffect(() => {
    if (!focusId) return;
    void jumpTo(tl, focusId).then((found) => {
      if (!found) setError(t.errors.messageGone);
    });
  }, [focusId, tl]);

  // Originals of replies that lie outside the window are fetched once each.
  const window = tl.window.value;
  useEffect(() => {
    const held = new Set(window.messages.map((m) => m.id));
    const missing = [...new Set(window.messages.map((m) => m.replyToId).filter((r): r is string => !!r && !held.has(r) && !replyTargets.has(r)))];
    if (missing.length === 0) return;
    void Promise.all(
      missing.slice(0, 20).map(async (rid) => {
        try {
          const page = await api.get<{ items: Message[] }>(`/api/v1/conversations/${id}/messages/${rid}/around?limit=1`);
          return [rid, page.items.find((m) => m.id === rid) ?? null] as const;
        } catch {
          return [rid, null] as const;
        }
      }),
    ).then((found) => setReplyTargets((map) => new Map([...map, ...found])));
  }, [window, id, replyTargets]);

  const pins = tl.pins.value;
  const pinnedIds = useMemo(() => new Set((pins ?? []).map((m) => m.id)), [pins]);

  const run = (action: Promise<unknown>) => {
    setError(null);
    action.catch((e: unknown) => setError(e instanceof ApiError ? e.message : t.common.error));
  };

  const actions: MessageActions = useMemo(
    () => ({
      react: (m, emoji, add) => {
        const path = `/api/v1/conversations/${id}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`;
        run(add ? api.put(path) : api.delete(path));
      },
      reply: (m) => {
        setEditing(null);
        setReplyTo(m);
      },
      edit: (m) => {
        setReplyTo(null);
        setEditing(m);
      },
      remove: (m) => setDeleting(m),
      pin: (m, pinned) => run((pinned ? api.put(`/api/v1/conversations/${id}/pins/${m.id}`) : api.delete(`/api/v1/conversations/${id}/pins/${m.id}`)).then(() => loadPins(id))),
      jump: (messageId) => {
        void jumpTo(tl, messageId).then((found) => {
          if (!found) setError(t.errors.messageGone);
        });
      },
      retry: (clientMsgId) => retrySend(clientMsgId),
      discard: (clientMsgId) => discardSend(clientMsgId),
    }),
    // The actions close over the conversation only; the rows keep one stable object.
    [id, tl],
  );

  if (!conversation) {
    return (
      <section class="placeholder">
        <p>{t.conversation.notFound}</p>
        <Link href="/">{t.common.home}</Link>
      </section>
    );
  }

  const title = displayTitle(conversation, t.list.untitled);
  const myId = me.value?.id ?? "";
  const editLast = () => {
    const last = [...tl.window.value.messages].reverse().find((m) => m.senderId === myId && m.deletedAt === null && m.body !== null);
    if (last) actions.edit(last);
  };

  return (
    <section
      class={`conversation${dragging ? " dragging" : ""}`}
      aria-labelledby="conversation-title"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length === 0) return;
        e.preventDefault();
        setDragging(false);
        composer.current?.addFiles(files);
      }}
    >
      <header class="conversation-header">
        <button type="button" class="icon-button only-narrow" aria-label={t.shell.back} onClick={() => navigate("/")}>
          <IconBack />
        </button>
        <h1 id="conversation-title">
          {title}
          {conversation.kind === "direct" && <PresenceDot state={conversation.otherUserId ? presence.value[conversation.otherUserId] : undefined} />}
        </h1>
        <button type="button" class="icon-button" aria-label={t.timeline.searchHere} title={t.timeline.searchHere} onClick={() => navigate(`/search?c=${encodeURIComponent(id)}`)}>
          <IconSearch />
        </button>
        <button type="button" class="icon-button" aria-label={t.timeline.pins} title={t.timeline.pins} aria-pressed={panel === "pins"} onClick={() => setPanel(panel === "pins" ? null : "pins")}>
          <IconPin />
        </button>
        <button type="button" class="icon-button" aria-label={t.timeline.details} title={t.timeline.details} aria-pressed={panel === "details"} onClick={() => setPanel(panel === "details" ? null : "details")}>
          <IconInfo />
        </button>
      </header>
      <ErrorAlert message={error ?? tl.error.value} />
      <div class="conversation-body">
        <div class="conversation-main">
          <Timeline tl={tl} conversation={conversation} actions={actions} pinnedIds={pinnedIds} replyTargets={replyTargets} />
          <TypingLine id={id} />
          <Composer
            conversationId={id}
            replyTo={replyTo}
            editing={editing}
            onCancelReply={() => setReplyTo(null)}
            onCancelEdit={() => setEditing(null)}
            onSaveEdit={async (m, body) => {
              await api.patch(`/api/v1/conversations/${id}/messages/${m.id}`, { body });
              setEditing(null);
            }}
            onEditLast={editLast}
            handle={composer}
            disabled={false}
          />
        </div>
        {panel === "details" && <DetailsPanel conversation={conversation} tl={tl} onClose={() => setPanel(null)} />}
        {panel === "pins" && <PinsPanel tl={tl} onJump={actions.jump} onClose={() => setPanel(null)} />}
      </div>
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          {t.composer.dropHere}
        </div>
      )}
      {deleting && (
        <Confirm
          question={t.timeline.confirmDelete}
          confirmLabel={t.timeline.delete}
          onConfirm={() => run(api.delete(`/api/v1/conversations/${id}/messages/${deleting.id}`))}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
