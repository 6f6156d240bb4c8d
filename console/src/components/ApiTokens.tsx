// API tokens (for programs, `Authorization: Bearer`): a person's own, or
// (admins) anyone's. A new token is shown once, with a copy button; revoking
// asks first.
import { useEffect, useRef, useState } from "react";
import { useForm } from "react-hook-form";
import { del, describe, get, post } from "../lib/api";
import { when } from "../lib/format";
import { applyProblem, Field, FormAlert, TextField } from "./forms";
import type { Page } from "./records";

export interface ApiToken {
  id: string;
  user_id: string;
  username: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

function state(token: ApiToken): "revoked" | "expired" | "active" {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && new Date(token.expires_at).getTime() <= Date.now()) return "expired";
  return "active";
}

const BADGE = { active: "badge won", revoked: "badge lost", expired: "badge" };

/** The token, shown the one time the API gives it out. */
export function ShownOnce({ token, onDone }: { token: { name: string; token: string }; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string>();
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied("Copied to the clipboard.");
    } catch {
      input.current?.select();
      setCopied("The browser did not allow copying: the token is selected, press Ctrl+C (⌘C) to copy it.");
    }
  };
  return (
    <div className="alert ok token-once" role="region" aria-label={`New token ${token.name}`}>
      <p><strong>Copy the token “{token.name}” now: it is not shown again.</strong> Programs send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      <div className="toolbar">
        <Field label="Your new token">
          {(aria) => <input {...aria} ref={input} readOnly value={token.token} spellCheck={false} className="token-value"
            onFocus={(e) => e.currentTarget.select()} />}
        </Field>
        <button type="button" onClick={copy}>Copy token</button>
        <button type="button" className="secondary" onClick={onDone}>I have copied it</button>
      </div>
      <p role="status">{copied}</p>
    </div>
  );
}

interface NewTokenValues {
  name: string;
  expires_in_days: string;
}

function NewToken({ userId, onCreated }: { userId?: string; onCreated: (token: ApiToken & { token: string }) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<NewTokenValues>({
    defaultValues: { name: "", expires_in_days: "90" },
  });
  const submit = async (values: NewTokenValues) => {
    setGeneral([]);
    const body: Record<string, unknown> = { name: values.name.trim() };
    if (values.expires_in_days.trim()) body.expires_in_days = Number(values.expires_in_days);
    if (userId) body.user_id = userId;
    try {
      const created = await post<ApiToken & { token: string }>("/tokens", body);
      reset();
      onCreated(created);
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["name", "expires_in_days"]));
    }
  };
  return (
    <form onSubmit={handleSubmit(submit)} noValidate aria-label="Create an API token" className="toolbar">
      <TextField label="Token name" hint="What uses it, e.g. “nightly export”." maxLength={100}
        error={formState.errors.name?.message}
        {...register("name", { required: "Name the token (what uses it).", maxLength: { value: 100, message: "At most 100 characters." } })} />
      <TextField label="Expires after (days)" type="number" min={1} max={3650} inputMode="numeric"
        error={formState.errors.expires_in_days?.message} {...register("expires_in_days")} />
      <button type="submit" disabled={formState.isSubmitting}>Create token</button>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
    </form>
  );
}

/**
 * The API tokens of `userId` (default: the signed-in person's), newest first,
 * with revoke and (when `canCreate`) create.
 */
export function ApiTokens({ userId, canCreate = true, title = "API tokens", onChange }: {
  userId?: string;
  canCreate?: boolean;
  title?: string;
  /** Called after a token is made or revoked. */
  onChange?: () => void;
}) {
  const [items, setItems] = useState<ApiToken[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [asking, setAsking] = useState<string>();
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [reload, setReload] = useState(0);

  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<ApiToken>>("/tokens", { user_id: userId, limit: 50, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(undefined);
      setLoaded(true);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [userId, reload]);

  const revoke = async (token: ApiToken) => {
    setMessage(undefined);
    try {
      await del(`/tokens/${token.id}`);
      setAsking(undefined);
      setMessage(`The token “${token.name}” is revoked: programs using it are refused from now on.`);
      setReload((n) => n + 1);
      onChange?.();
    } catch (e) {
      setAsking(undefined);
      setMessage(describe(e));
    }
  };

  return (
    <section className="panel" aria-labelledby={`tokens-heading-${userId ?? "me"}`}>
      <h2 id={`tokens-heading-${userId ?? "me"}`}>{title}</h2>
      {created && <ShownOnce token={created} onDone={() => setCreated(null)} />}
      {canCreate && !created && (
        <NewToken userId={userId} onCreated={(token) => { setCreated(token); setMessage(undefined); setReload((n) => n + 1); onChange?.(); }} />
      )}
      <FormAlert error={error} />
      {message && <p role="status" className="alert info">{message}</p>}
      {loaded && items.length === 0 && <p className="muted">No API tokens.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="list">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((token) => {
                const now = state(token);
                return (
                  <tr key={token.id}>
                    <td data-label="Name">{token.name}</td>
                    <td data-label="Starts with"><code>{token.prefix}…</code></td>
                    <td data-label="State">
                      <span className={BADGE[now]}>{now === "revoked" ? `Revoked ${when(token.revoked_at)}` : now === "expired" ? "Expired" : "Active"}</span>
                    </td>
                    <td data-label="Created">{when(token.created_at)}</td>
                    <td data-label="Last used">{token.last_used_at ? when(token.last_used_at) : "never"}</td>
                    <td data-label="Expires">{token.expires_at ? when(token.expires_at) : "never"}</td>
                    <td>
                      {now === "active" && asking !== token.id && (
                        <button type="button" className="secondary" onClick={() => setAsking(token.id)}>Revoke “{token.name}”…</button>
                      )}
                      {asking === token.id && (
                        <span className="actions">
                          <button type="button" className="danger" onClick={() => revoke(token)}>Revoke it now</button>
                          <button type="button" className="secondary" onClick={() => setAsking(undefined)}>Keep it</button>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older tokens</button>}
    </section>
  );
}
