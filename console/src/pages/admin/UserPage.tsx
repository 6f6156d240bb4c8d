// /admin/users/:userId: a user's role, display name and active flag, their
// password, their API tokens and the audit trail about them. The server's
// refusals (the last active admin, demoting or deactivating oneself) are shown
// as it words them.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useLoaderData, useLocation, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useSession } from "../../lib/session";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { ApiTokens } from "../../components/ApiTokens";
import { UserAudit } from "./AuditTrail";
import { refusal } from "./problems";
import { PASSWORD_RULE, ROLE_HELP, ROLES, userName, type AdminUser } from "./users";

export async function userLoader({ params, request: req }: LoaderFunctionArgs): Promise<AdminUser> {
  return get<AdminUser>(`/users/${params.userId}`, undefined, req.signal);
}

interface AccountValues {
  display_name: string;
  role: string;
  active: boolean;
}

function Account({ user, me, onSaved }: { user: AdminUser; me: boolean; onSaved: (user: AdminUser, message: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const defaults = { display_name: user.display_name ?? "", role: user.role, active: user.active };
  const { register, handleSubmit, setError, watch, formState } = useForm<AccountValues>({ values: defaults });
  const role = watch("role");
  const submit = async (values: AccountValues) => {
    setGeneral([]);
    const changes: Record<string, unknown> = {};
    if (values.display_name.trim() !== (user.display_name ?? "")) changes.display_name = values.display_name.trim() || null;
    if (values.role !== user.role) changes.role = values.role;
    if (values.active !== user.active) changes.active = values.active;
    if (Object.keys(changes).length === 0) {
      setGeneral(["Nothing changed."]);
      return;
    }
    try {
      const answer = await request<AdminUser>(`/users/${user.id}`, { method: "PATCH", body: changes });
      onSaved(answer.data, "Saved. A new role or deactivation takes effect within a minute on every server.");
    } catch (e) {
      setGeneral(refusal(e, setError, ["display_name", "role", "active"]));
    }
  };
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      {me && <p className="muted">This is you: another admin must change your role or deactivate you.</p>}
      <div className="form-grid">
        <TextField label="Display name" maxLength={200} error={formState.errors.display_name?.message} {...register("display_name")} />
        <SelectField label="Role" error={formState.errors.role?.message} hint={`May do: ${ROLE_HELP[role] ?? role}.`}
          options={ROLES.map((r) => ({ value: r, label: label(r) }))} {...register("role")} />
      </div>
      <div className="check">
        <label>
          <input type="checkbox" {...register("active")} aria-invalid={formState.errors.active ? true : undefined}
            aria-describedby="active-hint" /> Active
        </label>
        <small id="active-hint" className="hint">A deactivated user cannot sign in, and their API tokens stop working.</small>
        {formState.errors.active && <small className="field-error">{formState.errors.active.message}</small>}
      </div>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Save account</button>
      </div>
    </form>
  );
}

interface PasswordValues {
  password: string;
  confirm: string;
}

function Password({ user, onSaved }: { user: AdminUser; onSaved: (user: AdminUser, message: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const [removing, setRemoving] = useState(false);
  const { register, handleSubmit, setError, reset, formState } = useForm<PasswordValues>({
    defaultValues: { password: "", confirm: "" },
  });
  const save = async (password: string | null) => {
    setGeneral([]);
    try {
      const answer = await request<AdminUser>(`/users/${user.id}`, { method: "PATCH", body: { password } });
      reset();
      setRemoving(false);
      onSaved(answer.data, password ? "The new password is set; tell them safely." : "The password is removed: they can only use API tokens.");
    } catch (e) {
      setGeneral(refusal(e, setError, ["password"]));
    }
  };
  return (
    <form className="panel" onSubmit={handleSubmit((v) => save(v.password))} noValidate aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <p className="muted">{user.has_password ? "They sign in with a password." : "No password: they only use API tokens."}</p>
      <div className="form-grid">
        <TextField label="New password" type="password" autoComplete="new-password" error={formState.errors.password?.message}
          hint="At least 12 characters."
          {...register("password", { required: "Type the new password.", minLength: PASSWORD_RULE })} />
        <TextField label="New password again" type="password" autoComplete="new-password" error={formState.errors.confirm?.message}
          {...register("confirm", { validate: (v, all) => v === all.password || "The two passwords differ." })} />
      </div>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Set password</button>
        {user.has_password && !removing && (
          <button type="button" className="secondary" onClick={() => setRemoving(true)}>Remove the password…</button>
        )}
        {removing && (
          <>
            <button type="button" className="danger" onClick={() => save(null)}>Remove it: API tokens only</button>
            <button type="button" className="secondary" onClick={() => setRemoving(false)}>Keep it</button>
          </>
        )}
      </div>
    </form>
  );
}

export function UserPage() {
  const loaded = useLoaderData() as AdminUser;
  const session = useSession();
  const location = useLocation();
  const revalidator = useRevalidator();
  const [message, setMessage] = useState<string | undefined>(
    (location.state as { created?: boolean } | null)?.created ? "The user is created." : undefined,
  );
  const user = loaded;
  const [changes, setChanges] = useState(0);
  const saved = (_: AdminUser, text: string) => {
    setMessage(text);
    revalidator.revalidate();
  };
  const me = user.id === session.user.id;
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{userName(user)}</h1>
          <p className="muted">
            {label(user.role)} ·{" "}
            {user.active ? <span className="badge won">Active</span> : <span className="badge lost">Deactivated</span>}
            {" "}· created {when(user.created_at)}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <div>
          <Account user={user} me={me} onSaved={saved} />
          <Password user={user} onSaved={saved} />
          <ApiTokens userId={user.id} title={`API tokens of ${user.username}`} onChange={() => setChanges((n) => n + 1)} />
        </div>
        <aside>
          <UserAudit userId={user.id} key={`${user.id}-${message ?? ""}-${changes}`} />
        </aside>
      </div>
    </article>
  );
}
