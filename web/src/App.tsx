import { effect, signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, ApiError } from "./api/client";
import { navigate, route } from "./router";
import { onSessionChangedElsewhere } from "./session";
import { startSession, stopSession, unreadTotal } from "./state/store";
import { SignIn, SignUp } from "./screens/SignIn";
import { Shell } from "./screens/Shell";
import { t } from "./strings";
import { Spinner, ErrorAlert } from "./ui/common";

type Phase = "signedOut" | "starting" | "ready" | "failed";
const phase = signal<Phase>(api.signedIn ? "starting" : "signedOut");
const startError = signal<string | null>(null);

async function begin(): Promise<void> {
  phase.value = "starting";
  try {
    await startSession();
    phase.value = "ready";
    if (route.value.path === "/signin" || route.value.path === "/signup") navigate("/", true);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      api.end();
      return;
    }
    startError.value = (e as Error).message;
    phase.value = "failed";
  }
}

// The tab title carries the unread total. An effect outside the components: reading the total in App would
// render the whole tree again at every message that changes it.
effect(() => {
  const n = unreadTotal.value;
  document.title = n > 0 ? `(${n}) ${t.appName}` : t.appName;
});

api.onSessionEnded(() => {
  stopSession();
  phase.value = "signedOut";
  navigate("/signin?ended=1", true);
});

onSessionChangedElsewhere((session) => api.adopt(session));

function SignedOut() {
  const path = route.value.path;
  useEffect(() => {
    if (path !== "/signin" && path !== "/signup") navigate("/signin", true);
  }, [path]);
  return path === "/signup" ? <SignUp onSignedIn={() => void begin()} /> : <SignIn onSignedIn={() => void begin()} />;
}

export function App() {
  useEffect(() => {
    if (phase.value === "starting") void begin();
  }, []);

  switch (phase.value) {
    case "signedOut":
      return <SignedOut />;
    case "starting":
      return (
        <main class="auth" id="content">
          <Spinner label={t.common.loading} />
        </main>
      );
    case "failed":
      return (
        <main class="auth" id="content">
          <div class="auth-card">
            <ErrorAlert message={startError.value} />
            <button class="button primary" type="button" onClick={() => void begin()}>
              {t.common.retry}
            </button>
          </div>
        </main>
      );
    default:
      return <Shell />;
  }
}
