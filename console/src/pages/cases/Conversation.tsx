// A case's conversation: the customer's messages, the agents' public replies
// and the internal notes (visibly different: notes are never emailed), the
// reply box with the articles suggested for the case (a link to one goes into
// the reply where the cursor is), and the internal note box.
import { useEffect, useRef, useState } from "react";
import { useForm } from "react-hook-form";
import { Link } from "react-router";
import { get, post } from "../../lib/api";
import { when } from "../../lib/format";
import { applyProblem, FormAlert, TextArea } from "../../components/forms";
import type { Case, CaseMessage } from "./case";

const KIND_HEAD: Record<string, string> = { customer: "Customer", reply: "Reply to the customer", note: "Internal note" };

function author(m: CaseMessage): string {
  if (m.kind === "customer") return m.author_email ?? "the customer";
  return m.author ?? "system";
}

export function Messages({ messages }: { messages: CaseMessage[] }) {
  if (messages.length === 0) return <p className="muted">No messages yet.</p>;
  return (
    <ol className="conversation" aria-label="Conversation">
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.kind}`}>
          <div className="message-head">
            <strong className="message-kind">{KIND_HEAD[m.kind] ?? m.kind}</strong>
            <span className="muted"> · {author(m)} · {when(m.created_at)}</span>
            {m.kind === "note" && <span className="badge note-badge">Not sent to the customer</span>}
            {m.kind === "reply" && m.author_email && <span className="muted"> · emailed to {m.author_email}</span>}
          </div>
          <div className="message-body pre-line">{m.body}</div>
        </li>
      ))}
    </ol>
  );
}

/** An article suggested for the case (GET /cases/{id}/suggested-articles). */
export interface SuggestedArticle {
  id: string;
  title: string;
  snippet?: string | null;
  headline?: string | null;
  url?: string | null;
  public_url?: string | null;
  slug?: string | null;
  visibility?: string;
  /** Linked to this case already. */
  linked?: boolean;
}

/** The highlighted snippet as plain text (the search marks matches with tags). */
function plain(text: string | null | undefined): string {
  if (!text) return "";
  const doc = new DOMParser().parseFromString(text, "text/html");
  return doc.body.textContent ?? "";
}

/** Where the customer reads an article: its page in the help centre (GET /help/<slug or id>, an HTML page served by
 * the gateway the console runs on), not the JSON of the API. Only public articles open there (others are a 404). */
export function articleUrl(a: SuggestedArticle): string {
  return `${window.location.origin}/help/${encodeURIComponent(a.slug || a.id)}`;
}

function useSuggestions(caseId: string, enabled: boolean): { items: SuggestedArticle[] | null; failed: boolean } {
  const [state, setState] = useState<{ items: SuggestedArticle[] | null; failed: boolean }>({ items: null, failed: false });
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    get<{ items: SuggestedArticle[] } | SuggestedArticle[]>(`/cases/${caseId}/suggested-articles`, { limit: 5 }, controller.signal)
      .then((answer) => setState({ items: Array.isArray(answer) ? answer : answer.items ?? [], failed: false }))
      .catch(() => {
        if (!controller.signal.aborted) setState({ items: null, failed: true });
      });
    return () => controller.abort();
  }, [caseId, enabled]);
  return state;
}

interface BoxValues {
  body: string;
}

/** The public reply (emailed to the contact) with the suggested articles beside it. */
export function ReplyBox({ c, onSent }: { c: Case; onSent: (text: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, getValues, setValue, formState } = useForm<BoxValues>({ defaultValues: { body: "" } });
  const form = useRef<HTMLFormElement | null>(null);
  const suggestions = useSuggestions(c.id, true);
  // The articles whose link went into the reply: linked to the case once the reply is sent (they solved it).
  const [inserted, setInserted] = useState<SuggestedArticle[]>([]);
  const field = register("body", { validate: (v) => v.trim() !== "" || "Write the reply first." });

  const insert = (a: SuggestedArticle) => {
    const text = getValues("body");
    const el = form.current?.querySelector("textarea") ?? null;
    const at = el ? el.selectionStart ?? text.length : text.length;
    const end = el ? el.selectionEnd ?? at : at;
    const before = text.slice(0, at);
    const link = `${before && !before.endsWith("\n") ? "\n" : ""}${a.title}: ${articleUrl(a)}\n`;
    setValue("body", before + link + text.slice(end), { shouldDirty: true });
    setInserted((old) => (old.some((x) => x.id === a.id) ? old : [...old, a]));
    window.setTimeout(() => {
      el?.focus();
      el?.setSelectionRange(before.length + link.length, before.length + link.length);
    });
  };

  const submit = async (v: BoxValues) => {
    setGeneral([]);
    try {
      await post(`/cases/${c.id}/messages`, { kind: "reply", body: v.body });
      const used = inserted.filter((a) => !a.linked && v.body.includes(articleUrl(a)));
      await Promise.all(used.map((a) => post(`/articles/${a.id}/cases`, { case_id: c.id }).catch(() => undefined)));
      setInserted([]);
      reset({ body: "" });
      onSent(c.contact_email ? `Reply sent to ${c.contact_email}.` : "Reply saved (the case has no email address to send it to).");
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["body"]));
    }
  };
  return (
    <form ref={form} className="panel composer" onSubmit={handleSubmit(submit)} noValidate aria-label="Reply to the customer">
      <h2>Reply to the customer</h2>
      <div className="composer-grid">
        <div>
          <TextArea label={c.contact_email ? `Reply (emailed to ${c.contact_email})` : "Reply"} rows={6} maxLength={100000}
            error={formState.errors.body?.message} {...field} />
          <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
          <div className="actions">
            <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Sending…" : "Send reply"}</button>
          </div>
        </div>
        <aside className="suggestions" aria-labelledby={`suggested-${c.id}`}>
          <h3 id={`suggested-${c.id}`}>Suggested articles</h3>
          {suggestions.failed && <p className="muted">Suggestions could not be loaded just now.</p>}
          {!suggestions.failed && suggestions.items === null && <p className="muted">Looking for articles…</p>}
          {suggestions.items?.length === 0 && <p className="muted">No article matches this case's subject.</p>}
          {suggestions.items && suggestions.items.length > 0 && (
            <ul className="plain suggestion-list">
              {suggestions.items.map((a) => (
                <li key={a.id}>
                  <strong>{a.title}</strong>
                  {a.visibility === "internal" && <span className="badge"> Internal</span>}
                  {a.linked && <span className="badge"> Linked to this case</span>}
                  {(a.snippet || a.headline) && <p className="muted clamp">{plain(a.snippet ?? a.headline)}</p>}
                  {a.visibility === "internal" ? (
                    <p className="muted">For the team only: <Link to={`/kb/${a.id}`}>read it</Link>; customers cannot open it.</p>
                  ) : (
                    <button type="button" className="secondary" onClick={() => insert(a)} aria-label={`Insert a link to “${a.title}” into the reply`}>
                      Insert link
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </aside>
      </div>
    </form>
  );
}

/** The internal note: only people of the company read it. */
export function NoteBox({ c, onSaved }: { c: Case; onSaved: (text: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<BoxValues>({ defaultValues: { body: "" } });
  const submit = async (v: BoxValues) => {
    setGeneral([]);
    try {
      await post(`/cases/${c.id}/messages`, { kind: "note", body: v.body });
      reset({ body: "" });
      onSaved("Note added.");
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["body"]));
    }
  };
  return (
    <form className="panel composer note-composer" onSubmit={handleSubmit(submit)} noValidate aria-label="Internal note">
      <h2>Internal note</h2>
      <TextArea label="Note (not sent to the customer)" rows={3} maxLength={100000} error={formState.errors.body?.message}
        {...register("body", { validate: (v) => v.trim() !== "" || "Write the note first." })} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" className="secondary" disabled={formState.isSubmitting}>Add note</button>
      </div>
    </form>
  );
}
