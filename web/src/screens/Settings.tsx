import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Account, SessionInfo } from "../api/types";
import { fullTime } from "../format/time";
import { prefs } from "../prefs";
import { me } from "../state/store";
import { t } from "../strings";
import { Dialog } from "../ui/Dialog";
import { Avatar, ErrorAlert, Spinner } from "../ui/common";

function Profile() {
  const account = me.value;
  const [displayName, setDisplayName] = useState(account?.displayName ?? "");
  const [statusMessage, setStatusMessage] = useState(account?.statusMessage ?? "");
  const [bio, setBio] = useState(account?.bio ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    setError(null);
    try {
      me.value = await api.patch<Account>("/api/v1/me", {
        displayName: displayName.trim(),
        statusMessage: statusMessage.trim() === "" ? null : statusMessage.trim(),
        bio: bio.trim() === "" ? null : bio.trim(),
      });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="settings-profile">
      <h2 id="settings-profile">{t.settings.profile}</h2>
      <p class="muted">
        @{account?.username} · {account?.email}
      </p>
      <Picture />
      <form onSubmit={save} class="stack">
        <label class="field">
          <span>{t.settings.displayName}</span>
          <input required maxLength={100} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t.settings.status}</span>
          <input maxLength={140} value={statusMessage} onInput={(e) => setStatusMessage(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t.settings.bio}</span>
          <textarea rows={3} maxLength={500} value={bio} onInput={(e) => setBio(e.currentTarget.value)} />
        </label>
        <ErrorAlert message={error} />
        {saved && <p role="status">{t.settings.saved}</p>}
        <div>
          <button type="submit" class="button primary" disabled={busy}>
            {t.settings.save}
          </button>
        </div>
      </form>
    </section>
  );
}

function Picture() {
  const account = me.value;
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const upload = async (file: File) => {
    setError(null);
    setProgress(0);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      me.value = await api.upload<Account>("/api/v1/me/avatar", form, setProgress, undefined, "PUT");
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  };

  const remove = async () => {
    setError(null);
    try {
      await api.delete("/api/v1/me/avatar");
      if (me.value) me.value = { ...me.value, avatarUrl: null };
    } catch (e) {
      setError((e as Error).message);
    }
  };

  if (!account) return null;
  return (
    <div class="picture-row">
      <Avatar id={account.id} name={account.displayName} size={64} url={account.avatarUrl} />
      <label class="button file-button">
        {t.settings.uploadPicture}
        <input
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          aria-label={t.settings.uploadPicture}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            if (file) void upload(file);
          }}
        />
      </label>
      {account.avatarUrl && (
        <button type="button" class="button" onClick={() => void remove()}>
          {t.settings.removePicture}
        </button>
      )}
      {progress !== null && <span role="status">{t.composer.uploading(t.settings.picture, Math.round(progress * 100))}</span>}
      <ErrorAlert message={error} />
    </div>
  );
}

function Notifications() {
  const [denied, setDenied] = useState(typeof Notification !== "undefined" && Notification.permission === "denied");
  const supported = typeof Notification !== "undefined";

  // The permission prompt comes only from this click, never on its own.
  const toggleNotify = async (on: boolean) => {
    if (!on) {
      prefs.value = { ...prefs.value, notify: false };
      return;
    }
    let permission = Notification.permission;
    if (permission === "default") permission = await Notification.requestPermission();
    setDenied(permission === "denied");
    prefs.value = { ...prefs.value, notify: permission === "granted" };
  };

  return (
    <section class="settings-section" aria-labelledby="settings-notifications">
      <h2 id="settings-notifications">{t.settings.notifications}</h2>
      <label class="check">
        <input type="checkbox" disabled={!supported} checked={prefs.value.notify} onChange={(e) => void toggleNotify(e.currentTarget.checked)} />
        <span>{t.settings.notify}</span>
      </label>
      {denied && <p class="muted">{t.settings.notifyDenied}</p>}
      <label class="check">
        <input type="checkbox" checked={prefs.value.sound} onChange={(e) => (prefs.value = { ...prefs.value, sound: e.currentTarget.checked })} />
        <span>{t.settings.sound}</span>
      </label>
      <p class="muted">{t.settings.theme}</p>
    </section>
  );
}

function Sessions() {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = async () => {
    try {
      setSessions(await api.get<SessionInfo[]>("/api/v1/me/sessions"));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void reload(), []);

  const revoke = async (s: SessionInfo) => {
    setError(null);
    try {
      await api.delete(`/api/v1/me/sessions/${s.id}`);
      if (s.current) api.end();
      else await reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="settings-sessions">
      <h2 id="settings-sessions">{t.settings.sessions}</h2>
      <ErrorAlert message={error} />
      {sessions === null ? (
        !error && <Spinner label={t.common.loading} />
      ) : (
        <ul class="session-list">
          {sessions.map((s) => {
            const name = s.deviceName ?? s.userAgent ?? t.settings.unknownDevice;
            return (
              <li key={s.id} class="session-row">
                <span>
                  <strong>{name}</strong> {s.current && <span class="tag">{t.settings.thisDevice}</span>}
                  <br />
                  <span class="muted">
                    {s.ipAddress ?? ""} · {t.settings.lastUsed(fullTime(s.lastUsedAt ?? s.createdAt))}
                  </span>
                </span>
                <button type="button" class="button small" aria-label={`${t.settings.revoke}: ${name}`} onClick={() => void revoke(s)}>
                  {t.settings.revoke}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Password() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.post("/api/v1/me/password", { currentPassword: current, newPassword: next });
      setCurrent("");
      setNext("");
      setDone(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="settings-password">
      <h2 id="settings-password">{t.settings.password}</h2>
      <form onSubmit={submit} class="stack">
        <label class="field">
          <span>{t.settings.currentPassword}</span>
          <input type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t.settings.newPassword}</span>
          <input type="password" autoComplete="new-password" required minLength={10} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <ErrorAlert message={error} />
        {done && <p role="status">{t.settings.passwordChanged}</p>}
        <div>
          <button type="submit" class="button" disabled={busy}>
            {t.settings.changePassword}
          </button>
        </div>
      </form>
    </section>
  );
}

function DataAndAccount() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [password, setPassword] = useState("");
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const url = await api.blobUrl("/api/v1/me/export");
      const a = document.createElement("a");
      a.href = url;
      a.download = `confab-${me.value?.username ?? "export"}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const [erasing, setErasing] = useState(false);
  const erase = async (e: Event) => {
    e.preventDefault();
    if (erasing) return;
    setErasing(true);
    setDeleteError(null);
    try {
      await api.delete("/api/v1/me", { password });
      api.end();
    } catch (err) {
      setDeleteError((err as Error).message);
      setErasing(false);
    }
  };

  return (
    <section class="settings-section" aria-labelledby="settings-data">
      <h2 id="settings-data">{t.settings.data}</h2>
      <ErrorAlert message={error} />
      <div class="row-buttons">
        <button type="button" class="button" disabled={busy} onClick={() => void download()}>
          {t.settings.export}
        </button>
        <button type="button" class="button danger" onClick={() => setDeleting(true)}>
          {t.settings.deleteAccount}
        </button>
      </div>
      {deleting && (
        <Dialog title={t.settings.deleteAccount} onClose={() => setDeleting(false)}>
          <form onSubmit={erase} class="stack">
            <p>{t.settings.deleteWarning}</p>
            <label class="field">
              <span>{t.settings.deleteConfirm}</span>
              <input type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            <ErrorAlert message={deleteError} />
            <div class="dialog-actions">
              <button type="button" class="button" onClick={() => setDeleting(false)}>
                {t.dialogs.cancel}
              </button>
              <button type="submit" class="button danger" disabled={erasing}>
                {t.settings.deleteAccount}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </section>
  );
}

export function SettingsScreen() {
  return (
    <section class="page" aria-labelledby="settings-heading">
      <h1 id="settings-heading">{t.settings.heading}</h1>
      <Profile />
      <Notifications />
      <Sessions />
      <Password />
      <DataAndAccount />
    </section>
  );
}
