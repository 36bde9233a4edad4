import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { api, ApiError } from "../api/client";
import type { Conversation, Role, UserProfile } from "../api/types";
import { navigate } from "../router";
import { isMuted } from "../state/conversations";
import { loadMembers, me, nameOf, refreshConversation, type TimelineState } from "../state/store";
import { fullTime, timeOf } from "../format/time";
import { t } from "../strings";
import { ErrorAlert } from "../ui/common";
import { Confirm, Dialog } from "../ui/Dialog";
import { IconClose } from "../ui/icons";
import { UserPicker } from "./NewConversation";

const rank: Record<Role, number> = { member: 0, moderator: 1, admin: 2, owner: 3 };
const roles: Role[] = ["member", "moderator", "admin", "owner"];

/** The roles I may give someone whose role is below mine: those below mine, and owner if I am one. */
export function assignableRoles(mine: Role): Role[] {
  return roles.filter((r) => rank[r] < rank[mine] || (mine === "owner" && r === "owner"));
}

export function canManage(mine: Role, theirs: Role): boolean {
  return rank[mine] >= rank.admin && rank[theirs] < rank[mine];
}

const muteChoices: { label: string; ms: number | null }[] = [
  { label: "Not muted", ms: null },
  { label: "1 hour", ms: 3_600_000 },
  { label: "8 hours", ms: 8 * 3_600_000 },
  { label: "1 week", ms: 7 * 24 * 3_600_000 },
  { label: "Until I unmute", ms: 100 * 365 * 24 * 3_600_000 },
];

function Panel({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <aside class="side-panel" aria-label={title}>
      <header class="panel-header">
        <h2>{title}</h2>
        <button type="button" class="icon-button" aria-label={t.dialogs.close} onClick={onClose}>
          <IconClose />
        </button>
      </header>
      <div class="panel-body">{children}</div>
    </aside>
  );
}

export function DetailsPanel({ conversation: c, tl, onClose }: { conversation: Conversation; tl: TimelineState; onClose: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState(c.title ?? "");
  const [adding, setAdding] = useState(false);
  const [picked, setPicked] = useState<UserProfile[]>([]);
  const [confirm, setConfirm] = useState<"leave" | "delete" | null>(null);
  const members = tl.members.value ?? [];
  const myId = me.value?.id ?? "";
  const group = c.kind === "group";
  const mine = c.role;

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t.common.error);
    }
  };

  const mute = (ms: number | null) =>
    run(async () => {
      await api.put(`/api/v1/conversations/${c.id}/mute`, { until: ms === null ? null : new Date(Date.now() + ms).toISOString() });
      await refreshConversation(c.id);
    });

  return (
    <Panel title={t.timeline.details} onClose={onClose}>
      <ErrorAlert message={error} />
      {group && rank[mine] >= rank.admin && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api.patch(`/api/v1/conversations/${c.id}`, { title: title.trim() }).then(() => refreshConversation(c.id)));
          }}
        >
          <label class="field">
            <span>{t.conversation.titleLabel}</span>
            <input value={title} maxLength={200} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button small" disabled={title.trim() === "" || title.trim() === c.title}>
            {t.conversation.rename}
          </button>
        </form>
      )}
      <label class="field">
        <span>{t.conversation.mute}</span>
        <select
          onChange={(e) => {
            const choice = muteChoices[Number(e.currentTarget.value)];
            if (choice) void mute(choice.ms);
          }}
          value={isMuted(c) ? "" : "0"}
        >
          {isMuted(c) && <option value="">{t.conversation.mutedUntil(fullTime(c.mutedUntil!))}</option>}
          {muteChoices.map((m, i) => (
            <option key={m.label} value={String(i)}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <h3>
        {t.timeline.members} ({members.length})
      </h3>
      <ul class="members">
        {members.map((m) => {
          const manage = group && m.userId !== myId && canManage(mine, m.role);
          return (
            <li key={m.userId}>
              <span class="member-name">
                {m.displayName} <span class="muted">@{m.username}</span>
              </span>
              {manage ? (
                <select
                  aria-label={t.conversation.roleOf(m.displayName)}
                  value={m.role}
                  onChange={(e) => {
                    const role = e.currentTarget.value;
                    void run(() => api.put(`/api/v1/conversations/${c.id}/members/${m.userId}/role`, { role }).then(() => loadMembers(c.id)));
                  }}
                >
                  {!assignableRoles(mine).includes(m.role) && <option value={m.role}>{t.conversation.roles[m.role]}</option>}
                  {assignableRoles(mine).map((r) => (
                    <option key={r} value={r}>
                      {t.conversation.roles[r]}
                    </option>
                  ))}
                </select>
              ) : (
                <span class="tag">{t.conversation.roles[m.role]}</span>
              )}
              {manage && m.role !== "owner" && (
                <button
                  type="button"
                  class="button small danger"
                  aria-label={t.conversation.removeMember(m.displayName)}
                  onClick={() => void run(() => api.delete(`/api/v1/conversations/${c.id}/members/${m.userId}`).then(() => loadMembers(c.id)))}
                >
                  {t.dialogs.remove}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {group && rank[mine] >= rank.admin && (
        <button type="button" class="button small" onClick={() => setAdding(true)}>
          {t.conversation.addMembers}
        </button>
      )}
      {group && (
        <div class="panel-actions">
          <button type="button" class="button small danger" onClick={() => setConfirm("leave")}>
            {t.conversation.leave}
          </button>
          {mine === "owner" && (
            <button type="button" class="button small danger" onClick={() => setConfirm("delete")}>
              {t.conversation.deleteGroup}
            </button>
          )}
        </div>
      )}
      {adding && (
        <Dialog title={t.conversation.addMembers} onClose={() => setAdding(false)}>
          <UserPicker selected={picked} onChange={setPicked} exclude={members.map((m) => m.userId)} />
          <div class="dialog-actions">
            <button
              type="button"
              class="button primary"
              disabled={picked.length === 0}
              onClick={() =>
                void run(async () => {
                  await api.post(`/api/v1/conversations/${c.id}/members`, { userIds: picked.map((p) => p.id) });
                  setPicked([]);
                  setAdding(false);
                  await loadMembers(c.id);
                })
              }
            >
              {t.dialogs.add}
            </button>
          </div>
        </Dialog>
      )}
      {confirm === "leave" && (
        <Confirm
          question={t.conversation.confirmLeave}
          confirmLabel={t.conversation.leave}
          onConfirm={() => void run(() => api.post(`/api/v1/conversations/${c.id}/leave`).then(() => navigate("/")))}
          onClose={() => setConfirm(null)}
        />
      )}
      {confirm === "delete" && (
        <Confirm
          question={t.conversation.confirmDeleteGroup}
          confirmLabel={t.conversation.deleteGroup}
          onConfirm={() => void run(() => api.delete(`/api/v1/conversations/${c.id}`).then(() => navigate("/")))}
          onClose={() => setConfirm(null)}
        />
      )}
    </Panel>
  );
}

export function PinsPanel({ tl, onJump, onClose }: { tl: TimelineState; onJump: (messageId: string) => void; onClose: () => void }) {
  const pins = tl.pins.value;
  return (
    <Panel title={t.timeline.pins} onClose={onClose}>
      {pins === null ? (
        <p class="muted">{t.common.loading}</p>
      ) : pins.length === 0 ? (
        <p class="muted">{t.timeline.noPins}</p>
      ) : (
        <ul class="pins">
          {pins.map((m) => (
            <li key={m.id}>
              <button type="button" class="pick" onClick={() => onJump(m.id)}>
                <span>
                  <strong>{nameOf(m.senderId)}</strong> <span class="muted">{timeOf(m.createdAt)}</span>
                  <br />
                  {(m.body ?? t.timeline.deleted).slice(0, 160)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
