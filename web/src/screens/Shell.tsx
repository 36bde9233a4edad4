import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import { conversationIdOf, navigate, route } from "../router";
import { connection, me, notice, offlineSince, openConversationId } from "../state/store";
import { t } from "../strings";
import { Avatar, Link } from "../ui/common";
import { ConversationList } from "./ConversationList";
import { ConversationView } from "./ConversationView";
import { SearchScreen } from "./Search";
import { ContactsScreen } from "./Contacts";
import { SettingsScreen } from "./Settings";
import { AdminScreen } from "./Admin";

function AccountMenu() {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const first = menu.current?.querySelector<HTMLElement>("[role=menuitem]");
    first?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  const onKey = (e: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape") {
      setOpen(false);
      button.current?.focus();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(at + 1) % items.length]?.focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(at - 1 + items.length) % items.length]?.focus();
    } else if (e.key === "Tab") {
      setOpen(false);
    }
  };

  const choose = (action: () => void) => () => {
    setOpen(false);
    action();
  };

  return (
    <div class="account">
      <button ref={button} type="button" class="account-button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span class="sr-only">{t.shell.account}</span>
        <Avatar id={me.value?.id ?? ""} name={me.value?.displayName ?? ""} size={24} url={me.value?.avatarUrl} />
        <span class="account-name" aria-hidden="true">{me.value?.displayName ?? ""}</span>
      </button>
      {open && (
        <div ref={menu} class="menu" role="menu" aria-label={t.shell.account} onKeyDown={onKey}>
          <button type="button" role="menuitem" onClick={choose(() => navigate("/settings"))}>
            {t.shell.settings}
          </button>
          <button type="button" role="menuitem" onClick={choose(() => void api.signOut())}>
            {t.shell.signOut}
          </button>
        </div>
      )}
    </div>
  );
}

function OfflineBanner() {
  const since = offlineSince.value;
  const [, tick] = useState(0);
  useEffect(() => {
    if (since === null) return;
    const timer = setTimeout(() => tick((n) => n + 1), 1_100);
    return () => clearTimeout(timer);
  }, [since]);
  // A moment's grace, so a quick reconnect does not flash a banner.
  if (since === null || connection.value === "ready" || Date.now() - since < 1_000) return null;
  return (
    <div class="banner offline" role="alert" aria-label={t.shell.offline}>
      <strong>{t.shell.offline}</strong> <span>{t.shell.reconnecting}</span>
    </div>
  );
}

function Notice() {
  const text = notice.value;
  if (!text) return null;
  return (
    <div class="banner notice" role="alert">
      <span>{text}</span>
      <button type="button" class="link-button" onClick={() => (notice.value = null)}>
        {t.dialogs.close}
      </button>
    </div>
  );
}

export function Shell() {
  const path = route.value.path;
  const conversationId = conversationIdOf(path);
  const listFirst = path === "/" || path === "";

  useEffect(() => {
    openConversationId.value = conversationId;
  }, [conversationId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        if (window.matchMedia("(max-width: 699px)").matches && !listFirst) navigate("/");
        setTimeout(() => document.getElementById("conversation-filter")?.focus(), 0);
      }
    };
    const onOpen = (e: Event) => navigate(`/c/${(e as CustomEvent<string>).detail}`);
    window.addEventListener("keydown", onKey);
    window.addEventListener("confab:open", onOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("confab:open", onOpen);
    };
  }, [listFirst]);

  let content;
  if (conversationId) content = <ConversationView key={conversationId} id={conversationId} />;
  else if (path === "/search") content = <SearchScreen />;
  else if (path === "/contacts") content = <ContactsScreen />;
  else if (path === "/settings") content = <SettingsScreen />;
  else if (path === "/admin" && me.value?.isAdmin) content = <AdminScreen />;
  else if (listFirst)
    content = (
      <div class="placeholder">
        <p class="muted">{t.list.jump}: Ctrl+K</p>
      </div>
    );
  else
    content = (
      <div class="placeholder">
        <p>{t.common.notFound}</p>
        <Link href="/">{t.common.home}</Link>
      </div>
    );

  return (
    <div class="shell" data-pane={listFirst ? "list" : "content"}>
      <a class="skip" href="#content">
        {t.shell.skip}
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          {t.appName}
        </Link>
        <nav class="topnav" aria-label={t.shell.primary}>
          <Link href="/contacts" aria-current={path === "/contacts" ? "page" : undefined}>
            {t.shell.contacts}
          </Link>
          <Link href="/search" aria-current={path === "/search" ? "page" : undefined}>
            {t.shell.search}
          </Link>
          {me.value?.isAdmin && (
            <Link href="/admin" aria-current={path === "/admin" ? "page" : undefined}>
              {t.shell.admin}
            </Link>
          )}
        </nav>
        <AccountMenu />
      </header>
      <OfflineBanner />
      <Notice />
      <div class="panes">
        <aside class="sidebar">
          <ConversationList activeId={conversationId} />
        </aside>
        <main class="content" id="content">
          {content}
        </main>
      </div>
    </div>
  );
}
