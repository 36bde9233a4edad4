import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Paged, SearchHit } from "../api/types";
import { highlight } from "../format/parse";
import { fullTime } from "../format/time";
import { conversationPath, navigate, route } from "../router";
import { conversationList, learnAbout, nameOf, titleOf } from "../state/store";
import { t } from "../strings";
import { ErrorAlert, Link, Spinner } from "../ui/common";

interface Results {
  query: string;
  scope: string;
  items: SearchHit[];
  nextCursor: string | null;
}

function searchPath(query: string, scope: string, cursor: string | null): string {
  const params = new URLSearchParams({ q: query, limit: "20" });
  if (scope) params.set("conversationId", scope);
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/search?${params.toString()}`;
}

/** Search everywhere or in one conversation; the query and scope live in the address (/search?q=&c=). */
export function SearchScreen() {
  const q = route.value.query.get("q") ?? "";
  const c = route.value.query.get("c") ?? "";
  const [text, setText] = useState(q);
  const [scope, setScope] = useState(c);
  const [results, setResults] = useState<Results | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const generation = useRef(0);

  useEffect(() => input.current?.focus(), []);

  // The address is the source of truth: back and forward redo the search they name.
  useEffect(() => {
    setText(q);
    setScope(c);
    if (q.trim() === "") {
      ++generation.current;
      setBusy(false);
      setResults(null);
      return;
    }
    const mine = ++generation.current;
    setBusy(true);
    setError(null);
    api
      .get<Paged<SearchHit>>(searchPath(q, c, null))
      .then((page) => {
        if (mine !== generation.current) return;
        setResults({ query: q, scope: c, items: page.items, nextCursor: page.nextCursor });
        void learnAbout(page.items.map((hit) => hit.conversationId));
      })
      .catch((e: Error) => {
        if (mine === generation.current) setError(e.message);
      })
      .finally(() => {
        if (mine === generation.current) setBusy(false);
      });
  }, [q, c]);

  const submit = (e: Event) => {
    e.preventDefault();
    const params = new URLSearchParams();
    if (text.trim()) params.set("q", text.trim());
    if (scope) params.set("c", scope);
    navigate(`/search?${params.toString()}`);
  };

  const more = async () => {
    if (!results?.nextCursor) return;
    const mine = generation.current;
    setBusy(true);
    try {
      const page = await api.get<Paged<SearchHit>>(searchPath(results.query, results.scope, results.nextCursor));
      if (mine !== generation.current) return;
      setResults({ ...results, items: [...results.items, ...page.items], nextCursor: page.nextCursor });
      void learnAbout(page.items.map((hit) => hit.conversationId));
    } catch (e) {
      if (mine === generation.current) setError((e as Error).message);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  const scopes = conversationList.value;
  return (
    <section class="page" aria-labelledby="search-heading">
      <h1 id="search-heading">{t.shell.search}</h1>
      <form class="search-form" role="search" onSubmit={submit}>
        <label class="field grow">
          <span>{t.search.label}</span>
          <input ref={input} type="search" value={text} maxLength={200} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t.search.scope}</span>
          <select value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
            <option value="">{t.search.everywhere}</option>
            {c && !scopes.some((row) => row.id === c) && <option value={c}>{titleOf(c)}</option>}
            {scopes.map((row) => (
              <option key={row.id} value={row.id}>
                {titleOf(row.id)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button primary">
          {t.search.submit}
        </button>
      </form>
      <ErrorAlert message={error} />
      {!results && !busy && <p class="muted">{t.search.hint}</p>}
      {results && results.items.length === 0 && !busy && <p role="status">{t.search.none}</p>}
      {results && results.items.length > 0 && (
        <ol class="search-results" aria-label={t.search.results}>
          {results.items.map((hit) => (
            <li key={hit.messageId}>
              <Link href={conversationPath(hit.conversationId, hit.messageId)} class="search-hit">
                <span class="hit-meta">
                  <strong>{titleOf(hit.conversationId)}</strong> · {nameOf(hit.senderId)} · <time dateTime={hit.createdAt}>{fullTime(hit.createdAt)}</time>
                </span>
                <span class="hit-snippet">
                  {highlight(hit.snippet, hit.highlights).map((part, i) => (part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
      {busy && <Spinner label={t.common.loading} />}
      {results?.nextCursor && !busy && (
        <button type="button" class="button" onClick={() => void more()}>
          {t.search.more}
        </button>
      )}
    </section>
  );
}
