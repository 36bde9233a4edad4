import { useState } from "preact/hooks";
import { api, ApiError } from "../api/client";
import { t } from "../strings";
import { Link, ErrorAlert } from "../ui/common";
import { route } from "../router";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [stay, setStay] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(route.value.query.get("ended") ? t.signIn.ended : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.authenticate("/api/v1/auth/login", { login: login.trim(), password, deviceName: deviceName() }, stay);
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : t.common.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth" id="content">
      <form class="auth-card" onSubmit={submit} noValidate>
        <p class="brand-large" aria-hidden="true">{t.appName}</p>
        <h1>{t.signIn.heading}</h1>
        <ErrorAlert message={error} />
        <label class="field">
          <span>{t.signIn.login}</span>
          <input name="login" autocomplete="username" required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t.signIn.password}</span>
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={stay} onChange={(e) => setStay(e.currentTarget.checked)} />
          <span>{t.signIn.stay}</span>
        </label>
        <button class="button primary" type="submit" disabled={busy || login.trim() === "" || password === ""}>
          {busy ? t.signIn.busy : t.signIn.submit}
        </button>
        <p>
          <Link href="/signup">{t.signIn.create}</Link>
        </p>
      </form>
    </main>
  );
}

export function SignUp({ onSignedIn }: { onSignedIn: () => void }) {
  const [fields, setFields] = useState({ username: "", email: "", displayName: "", password: "" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const set = (name: keyof typeof fields) => (e: Event) => setFields({ ...fields, [name]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await api.authenticate("/api/v1/auth/register", { ...fields, username: fields.username.trim(), email: fields.email.trim(), deviceName: deviceName() }, true);
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError) {
        setError(err.message);
        setFieldErrors(err.fieldErrors);
      } else {
        setError(t.common.error);
      }
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof typeof fields, label: string, type: "text" | "email" | "password", autocomplete: string, hint?: string) => {
    const problems = fieldErrors[name];
    const hintId = `${name}-hint`;
    return (
      <label class="field">
        <span>{label}</span>
        <input
          name={name}
          // Preact's input types are a union per type; one variable type needs the widening.
          type={type as "text"}
          autocomplete={autocomplete}
          required
          value={fields[name]}
          onInput={set(name)}
          aria-invalid={problems ? true : undefined}
          aria-describedby={hint || problems ? hintId : undefined}
        />
        {(hint || problems) && (
          <small id={hintId} class={problems ? "field-error" : "muted"}>
            {problems ? problems.join(", ") : hint}
          </small>
        )}
      </label>
    );
  };

  return (
    <main class="auth" id="content">
      <form class="auth-card" onSubmit={submit} noValidate>
        <p class="brand-large" aria-hidden="true">{t.appName}</p>
        <h1>{t.signUp.heading}</h1>
        <ErrorAlert message={error} />
        {field("username", t.signUp.username, "text", "username", t.signUp.usernameHint)}
        {field("email", t.signUp.email, "email", "email")}
        {field("displayName", t.signUp.displayName, "text", "name")}
        {field("password", t.signUp.password, "password", "new-password", t.signUp.passwordHint)}
        <button class="button primary" type="submit" disabled={busy}>
          {busy ? t.signUp.busy : t.signUp.submit}
        </button>
        <p>
          <Link href="/signin">{t.signUp.haveAccount}</Link>
        </p>
      </form>
    </main>
  );
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrom(e|ium)\//.test(ua) ? "Chromium" : /Safari\//.test(ua) ? "Safari" : "Browser";
  return `${browser} web client`;
}
