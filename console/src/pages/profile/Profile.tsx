// /profile: the signed-in person's own account, their API tokens (made here,
// shown once, revoked here) and the browsers they are signed in on, with
// "Sign out everywhere".
import { useState } from "react";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { useForm } from "react-hook-form";
import { describe, get, request } from "../../lib/api";
import { applyProblem, FormAlert, TextField } from "../../components/forms";
import { label, when } from "../../lib/format";
import { signOutEverywhere, useCan, useSession } from "../../lib/session";
import { ApiTokens } from "../../components/ApiTokens";
import { browserName } from "../../components/browser";
import type { Page } from "../../components/records";

interface BrowserSession {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  user_agent: string | null;
  current: boolean;
}

export async function profileLoader({ request }: LoaderFunctionArgs): Promise<Page<BrowserSession>> {
  return get<Page<BrowserSession>>("/auth/sessions", { limit: 100 }, request.signal);
}

function Sessions({ page }: { page: Page<BrowserSession> }) {
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string>();
  const leave = async () => {
    setError(undefined);
    try {
      await signOutEverywhere();
      navigate("/sign-in", { replace: true, state: { signedOut: "everywhere" } });
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      <p className="muted">Each browser you signed in on, newest first. API tokens are not affected by signing out.</p>
      {page.items.length === 0 && <p className="muted">No console sessions (this page was opened with an API token).</p>}
      <ul className="session-list">
        {page.items.map((session) => (
          <li key={session.id}>
            <strong>{label(browserName(session.user_agent))}</strong>
            {session.current && <> <span className="badge won">This browser</span></>}
            <div className="muted">
              Signed in {when(session.created_at)} · last used {session.last_used_at ? when(session.last_used_at) : "—"} · ends {when(session.expires_at)}
            </div>
            {session.user_agent && <small className="muted agent">{session.user_agent}</small>}
          </li>
        ))}
      </ul>
      {page.next_cursor && <p className="muted">More sessions are not shown; signing out everywhere ends them too.</p>}
      <div className="actions">
        {!asking && <button type="button" className="secondary" onClick={() => setAsking(true)}>Sign out everywhere…</button>}
        {asking && (
          <>
            <span>End every session of yours, this one too?</span>
            <button type="button" className="danger" onClick={leave}>Sign out everywhere</button>
            <button type="button" className="secondary" onClick={() => setAsking(false)}>Stay signed in</button>
          </>
        )}
      </div>
      {error && <p role="alert" className="alert error">{error}</p>}
    </section>
  );
}

function ChangeName({ current }: { current: string | null }) {
  const revalidator = useRevalidator();
  const [saved, setSaved] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<{ display_name: string }>({
    values: { display_name: current ?? "" },
  });
  const submit = async (values: { display_name: string }) => {
    setSaved(false);
    setGeneral([]);
    try {
      await request("/me", { method: "PATCH", body: { display_name: values.display_name.trim() || null } });
      setSaved(true);
      revalidator.revalidate();
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["display_name"]));
    }
  };
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="name-heading">
      <h2 id="name-heading">Display name</h2>
      <TextField label="Display name" maxLength={200} error={formState.errors.display_name?.message}
        hint="How others see you as an owner; empty shows your username." {...register("display_name")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      {saved && <p role="status" className="alert ok">Saved.</p>}
      <button type="submit" disabled={formState.isSubmitting}>Save name</button>
    </form>
  );
}

interface PasswordValues {
  current_password: string;
  password: string;
  repeat: string;
}

function ChangePassword() {
  const [saved, setSaved] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<PasswordValues>();
  const submit = async (values: PasswordValues) => {
    setSaved(false);
    setGeneral([]);
    if (values.password !== values.repeat) {
      setError("repeat", { message: "The two new passwords differ; type the same one twice." });
      return;
    }
    try {
      await request("/me", { method: "PATCH", body: { password: values.password, current_password: values.current_password } });
      reset({ current_password: "", password: "", repeat: "" });
      setSaved(true);
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["current_password", "password"]));
    }
  };
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <TextField label="Current password" type="password" autoComplete="current-password"
        error={formState.errors.current_password?.message}
        {...register("current_password", { required: "Type your current password." })} />
      <TextField label="New password" type="password" autoComplete="new-password" hint="At least 12 characters."
        error={formState.errors.password?.message}
        {...register("password", { required: "Type a new password." })} />
      <TextField label="New password again" type="password" autoComplete="new-password"
        error={formState.errors.repeat?.message} {...register("repeat", { required: "Type the new password again." })} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      {saved && <p role="status" className="alert ok">Your password is changed. Other browsers stay signed in; use “Sign out everywhere” if you want them out.</p>}
      <button type="submit" disabled={formState.isSubmitting}>Change password</button>
    </form>
  );
}

export function Profile() {
  const sessions = useLoaderData() as Page<BrowserSession>;
  const session = useSession();
  const can = useCan();
  const user = session.user;
  return (
    <article>
      <h1>Your profile</h1>
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="account-heading">
            <h2 id="account-heading">Account</h2>
            <dl className="facts">
              <div className="fact"><dt>Username</dt><dd>{user.username}</dd></div>
              <div className="fact"><dt>Display name</dt><dd>{user.display_name ?? "—"}</dd></div>
              <div className="fact"><dt>Role</dt><dd>{label(user.role)}</dd></div>
              <div className="fact"><dt>This session ends</dt><dd>{when(session.expires_at)}</dd></div>
            </dl>
            <details>
              <summary>What your role may do</summary>
              <ul className="permissions">
                {user.permissions.map((p) => <li key={p}><code>{p}</code></li>)}
              </ul>
            </details>
            <p className="muted">
              {can("users:admin")
                ? <>Your role is changed on <Link to={`/admin/users/${user.id}`}>your user page</Link>.</>
                : <>To change your role, ask an admin.</>}
            </p>
          </section>
          <ChangeName current={user.display_name} />
          <ChangePassword />
          <ApiTokens title="Your API tokens" />
        </div>
        <aside>
          <Sessions page={sessions} />
        </aside>
      </div>
    </article>
  );
}
