import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { AdminUser, AuditEntry, DayCount, Paged, ServerFigures } from "../api/types";
import { fullTime } from "../format/time";
import { me } from "../state/store";
import { t } from "../strings";
import { ErrorAlert, Spinner } from "../ui/common";

type Tab = "users" | "audit" | "server";
const tabs: { id: Tab; label: string }[] = [
  { id: "users", label: t.admin.users },
  { id: "audit", label: t.admin.audit },
  { id: "server", label: t.admin.server },
];

function Users() {
  const [query, setQuery] = useState("");
  const [page, setPage] = useState<Paged<AdminUser> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const load = async (cursor: string | null, append: boolean) => {
    const mine = ++generation.current;
    const params = new URLSearchParams({ limit: "50" });
    if (query.trim()) params.set("query", query.trim());
    if (cursor) params.set("cursor", cursor);
    try {
      const next = await api.get<Paged<AdminUser>>(`/api/v1/admin/users?${params.toString()}`);
      if (mine !== generation.current) return;
      setPage((p) => (append && p ? { items: [...p.items, ...next.items], nextCursor: next.nextCursor } : next));
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError((e as Error).message);
    }
  };

  useEffect(() => {
    const timer = setTimeout(() => void load(null, false), 200);
    return () => clearTimeout(timer);
  }, [query]);

  const act = async (user: AdminUser, action: "disable" | "enable" | "promote" | "demote") => {
    setError(null);
    try {
      await api.post(`/api/v1/admin/users/${user.id}/${action}`);
      const changed: Partial<AdminUser> =
        action === "disable"
          ? { disabledAt: new Date().toISOString() }
          : action === "enable"
            ? { disabledAt: null }
            : { isAdmin: action === "promote" };
      setPage((p) => (p ? { ...p, items: p.items.map((u) => (u.id === user.id ? { ...u, ...changed } : u)) } : p));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div>
      <label class="field">
        <span>{t.admin.find}</span>
        <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </label>
      <ErrorAlert message={error} />
      {!page ? (
        !error && <Spinner label={t.common.loading} />
      ) : (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">{t.admin.user}</th>
              <th scope="col">{t.admin.email}</th>
              <th scope="col">{t.admin.created}</th>
              <th scope="col">{t.admin.state}</th>
              <th scope="col">
                <span class="sr-only">{t.admin.actions}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((u) => {
              const self = u.id === me.value?.id;
              return (
                <tr key={u.id}>
                  <td>
                    {u.displayName} <span class="muted">@{u.username}</span>
                  </td>
                  <td>{u.email ?? ""}</td>
                  <td>{fullTime(u.createdAt)}</td>
                  <td>
                    {u.isAdmin && <span class="tag">{t.admin.administrator}</span>} {u.disabledAt && <span class="tag danger">{t.admin.disabled}</span>}
                  </td>
                  <td class="row-buttons">
                    {!self &&
                      (u.disabledAt ? (
                        <button type="button" class="button small" aria-label={`${t.admin.enable} ${u.username}`} onClick={() => void act(u, "enable")}>
                          {t.admin.enable}
                        </button>
                      ) : (
                        <button type="button" class="button small danger" aria-label={`${t.admin.disable} ${u.username}`} onClick={() => void act(u, "disable")}>
                          {t.admin.disable}
                        </button>
                      ))}
                    {self ? null : u.isAdmin ? (
                      <button type="button" class="button small" aria-label={`${t.admin.demote} ${u.username}`} onClick={() => void act(u, "demote")}>
                        {t.admin.demote}
                      </button>
                    ) : (
                      <button type="button" class="button small" aria-label={`${t.admin.promote} ${u.username}`} onClick={() => void act(u, "promote")}>
                        {t.admin.promote}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page?.nextCursor && (
        <button type="button" class="button" onClick={() => void load(page.nextCursor, true)}>
          {t.admin.more}
        </button>
      )}
    </div>
  );
}

interface AuditFilter {
  action: string;
  severity: string;
  actorId: string;
  since: string;
  until: string;
}

const emptyFilter: AuditFilter = { action: "", severity: "", actorId: "", since: "", until: "" };

function auditPath(filter: AuditFilter, cursor: string | null): string {
  const params = new URLSearchParams({ limit: "50" });
  if (filter.action.trim()) params.set("action", filter.action.trim());
  if (filter.severity) params.set("severity", filter.severity);
  if (filter.actorId.trim()) params.set("actorId", filter.actorId.trim());
  // The inputs hold local dates; the server takes instants.
  if (filter.since) params.set("since", new Date(`${filter.since}T00:00:00`).toISOString());
  if (filter.until) params.set("until", new Date(`${filter.until}T23:59:59.999`).toISOString());
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/admin/audit?${params.toString()}`;
}

function Audit() {
  const [draft, setDraft] = useState<AuditFilter>(emptyFilter);
  const [filter, setFilter] = useState<AuditFilter>(emptyFilter);
  const [page, setPage] = useState<Paged<AuditEntry> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const generation = useRef(0);

  // A page that lands after the filter changed belongs to the old filter and is dropped.
  const load = async (cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setBusy(true);
    try {
      const next = await api.get<Paged<AuditEntry>>(auditPath(filter, cursor));
      if (mine !== generation.current) return;
      setPage((p) => (cursor && p ? { items: [...p.items, ...next.items], nextCursor: next.nextCursor } : next));
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError((e as Error).message);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => void load(null), [filter]);

  const field = (key: keyof AuditFilter) => (e: Event) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <label class="field">
          <span>{t.admin.action}</span>
          <input value={draft.action} placeholder="auth.login" onInput={field("action")} />
        </label>
        <label class="field">
          <span>{t.admin.severity}</span>
          <select value={draft.severity} onChange={field("severity")}>
            <option value="">{t.admin.any}</option>
            <option value="info">info</option>
            <option value="notice">notice</option>
            <option value="warning">warning</option>
            <option value="critical">critical</option>
          </select>
        </label>
        <label class="field">
          <span>{t.admin.actor}</span>
          <input value={draft.actorId} onInput={field("actorId")} />
        </label>
        <label class="field">
          <span>{t.admin.since}</span>
          <input type="date" value={draft.since} onInput={field("since")} />
        </label>
        <label class="field">
          <span>{t.admin.until}</span>
          <input type="date" value={draft.until} onInput={field("until")} />
        </label>
        <button type="submit" class="button primary">
          {t.admin.apply}
        </button>
      </form>
      <ErrorAlert message={error} />
      {page && (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">{t.admin.when}</th>
              <th scope="col">{t.admin.action}</th>
              <th scope="col">{t.admin.severity}</th>
              <th scope="col">{t.admin.actor}</th>
              <th scope="col">{t.admin.target}</th>
              <th scope="col">{t.admin.address}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((a) => (
              <tr key={a.id}>
                <td>{fullTime(a.createdAt)}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>{a.severity}</td>
                <td class="id">{a.actorId ?? ""}</td>
                <td class="id">{a.targetType ? `${a.targetType} ${a.targetId ?? ""}` : ""}</td>
                <td>{a.ipAddress ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && page.items.length === 0 && <p class="muted">{t.admin.noEntries}</p>}
      {busy && <Spinner label={t.common.loading} />}
      {page?.nextCursor && !busy && (
        <button type="button" class="button" onClick={() => void load(page.nextCursor)}>
          {t.admin.more}
        </button>
      )}
    </div>
  );
}

/** Bars for counts per day, drawn as SVG; the numbers are in the label and each bar's title. */
export function DayChart({ days }: { days: DayCount[] }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...days.map((d) => d.count));
  const step = width / Math.max(1, days.length);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={t.admin.chartLabel(days.length, total)}>
      {days.map((d, i) => {
        const h = Math.round((d.count / max) * height);
        return (
          <rect key={d.day} x={i * step + 1} y={height - h} width={Math.max(1, step - 2)} height={h} class="bar">
            <title>{`${d.day}: ${d.count}`}</title>
          </rect>
        );
      })}
      <line x1={0} x2={width} y1={height} y2={height} class="axis" />
      {days.length > 0 && (
        <>
          <text x={0} y={height + 15} class="chart-label">
            {days[0]!.day}
          </text>
          <text x={width} y={height + 15} class="chart-label" text-anchor="end">
            {days[days.length - 1]!.day}
          </text>
        </>
      )}
    </svg>
  );
}

function Server() {
  const [figures, setFigures] = useState<ServerFigures | null>(null);
  const [days, setDays] = useState<DayCount[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.get<ServerFigures>("/api/v1/admin/server");
        if (live) {
          setFigures(next);
          setError(null);
        }
      } catch (e) {
        if (live) setError((e as Error).message);
      }
      if (live) timer = setTimeout(() => void poll(), document.hidden ? 30_000 : 5_000);
    };
    void poll();
    api
      .get<DayCount[]>("/api/v1/admin/stats/messages-per-day?days=30")
      .then((d) => live && setDays(d))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);

  const rows: [string, string][] = figures
    ? [
        [t.admin.node, figures.node],
        [t.admin.version, figures.version],
        [t.admin.engine, figures.engine],
        [t.admin.schema, `${figures.schemaVersion} / ${figures.latestKnownVersion}`],
        [t.admin.started, fullTime(figures.startedAt)],
        [t.admin.sockets, figures.sockets.toLocaleString()],
        [t.admin.usersCount, figures.users.toLocaleString()],
        [t.admin.conversations, figures.conversations.toLocaleString()],
        [t.admin.messages, figures.messages.toLocaleString()],
        [t.admin.perMinute, figures.messagesLastMinute.toLocaleString()],
        [t.admin.perHour, figures.messagesLastHour.toLocaleString()],
      ]
    : [];

  return (
    <div>
      <ErrorAlert message={error} />
      <h2>{t.admin.figures}</h2>
      {figures ? (
        <dl class="figures">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        !error && <Spinner label={t.common.loading} />
      )}
      <h2>{t.admin.perDay}</h2>
      {days ? <DayChart days={days} /> : !error && <Spinner label={t.common.loading} />}
    </div>
  );
}

/** Administration for administrators: the tabs follow the ARIA tabs pattern (arrows move between them). */
export function AdminScreen() {
  const [tab, setTab] = useState<Tab>("users");
  const onKey = (e: KeyboardEvent) => {
    const at = tabs.findIndex((x) => x.id === tab);
    let next: number;
    if (e.key === "ArrowRight") next = (at + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (at - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    else return;
    e.preventDefault();
    setTab(tabs[next]!.id);
    document.getElementById(`admin-tab-${tabs[next]!.id}`)?.focus();
  };
  return (
    <section class="page wide" aria-labelledby="admin-heading">
      <h1 id="admin-heading">{t.admin.heading}</h1>
      <div role="tablist" class="tabs" aria-label={t.admin.heading} onKeyDown={onKey}>
        {tabs.map((x) => (
          <button
            key={x.id}
            id={`admin-tab-${x.id}`}
            type="button"
            role="tab"
            aria-selected={tab === x.id}
            aria-controls={`admin-panel-${x.id}`}
            tabIndex={tab === x.id ? 0 : -1}
            onClick={() => setTab(x.id)}
          >
            {x.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`admin-panel-${tab}`} aria-labelledby={`admin-tab-${tab}`} class="tab-panel">
        {tab === "users" && <Users />}
        {tab === "audit" && <Audit />}
        {tab === "server" && <Server />}
      </div>
    </section>
  );
}
