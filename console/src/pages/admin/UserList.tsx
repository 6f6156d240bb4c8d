// /admin/users: every user (by username, a page at a time) and a new user.
import { useMemo, useState } from "react";
import { Link, useLoaderData, useNavigate, type LoaderFunctionArgs } from "react-router";
import { useForm } from "react-hook-form";
import type { ColumnDef } from "@tanstack/react-table";
import { get, post } from "../../lib/api";
import { label, when } from "../../lib/format";
import { DataTable, Pager } from "../../components/DataTable";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { refusal } from "./problems";
import type { Page } from "../../components/records";
import { PASSWORD_RULE, ROLE_HELP, ROLES, type AdminUser } from "./users";

export async function userListLoader({ request }: LoaderFunctionArgs): Promise<Page<AdminUser>> {
  const params = new URL(request.url).searchParams;
  return get<Page<AdminUser>>("/users", { cursor: params.get("cursor"), limit: 50 }, request.signal);
}

export function UserList() {
  const page = useLoaderData() as Page<AdminUser>;
  const columns = useMemo<ColumnDef<AdminUser, any>[]>(() => [
    {
      id: "username", header: "Username",
      cell: ({ row }) => <Link to={`/admin/users/${row.original.id}`}>{row.original.username}</Link>,
    },
    { id: "display_name", header: "Display name", cell: ({ row }) => row.original.display_name ?? "—" },
    { id: "role", header: "Role", cell: ({ row }) => label(row.original.role) },
    {
      id: "active", header: "Active",
      cell: ({ row }) => (row.original.active
        ? <span className="badge won">Active</span>
        : <span className="badge lost">Deactivated</span>),
    },
    { id: "login", header: "Signs in", cell: ({ row }) => (row.original.has_password ? "With a password" : "API tokens only") },
    { id: "created_at", header: "Created", cell: ({ row }) => when(row.original.created_at) },
  ], []);
  return (
    <section>
      <div className="page-head">
        <h1>Users</h1>
        <div className="actions">
          <Link className="button" to="/admin/users/new">New user</Link>
          <Link className="button secondary" to="/admin/tokens">API tokens</Link>
          <Link className="button secondary" to="/admin/audit">Audit trail</Link>
        </div>
      </div>
      <DataTable caption="Users" columns={columns} data={page.items} rowId={(u) => u.id} empty="No users yet." />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}

interface NewUserValues {
  username: string;
  display_name: string;
  role: string;
  password: string;
  confirm: string;
}

const NAMES = ["username", "display_name", "role", "password"];

export function NewUser() {
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, watch, formState } = useForm<NewUserValues>({
    defaultValues: { username: "", display_name: "", role: "sales", password: "", confirm: "" },
  });
  const role = watch("role");
  const submit = async (values: NewUserValues) => {
    setGeneral([]);
    const body: Record<string, unknown> = { username: values.username.trim(), role: values.role };
    if (values.display_name.trim()) body.display_name = values.display_name.trim();
    if (values.password) body.password = values.password;
    try {
      const user = await post<AdminUser>("/users", body);
      navigate(`/admin/users/${user.id}`, { replace: true, state: { created: true } });
    } catch (e) {
      setGeneral(refusal(e, setError, NAMES));
    }
  };
  const err = (name: keyof NewUserValues) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New user</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New user">
        <div className="form-grid">
          <TextField label="Username" autoComplete="off" autoCapitalize="none" spellCheck={false} error={err("username")}
            hint="2 to 64 characters: lower-case letters, digits, '.', '_', '@', '-'. They sign in with it."
            {...register("username", { required: "Give the username they sign in with." })} />
          <TextField label="Display name" autoComplete="off" error={err("display_name")} hint="The name others see, e.g. “Ana Ruiz”."
            {...register("display_name")} />
          <SelectField label="Role" error={err("role")} hint={`May do: ${ROLE_HELP[role] ?? role}.`}
            options={ROLES.map((r) => ({ value: r, label: label(r) }))} {...register("role")} />
          <TextField label="Password" type="password" autoComplete="new-password" error={err("password")}
            hint="At least 12 characters. Leave empty for a user that only uses API tokens."
            {...register("password", { minLength: PASSWORD_RULE })} />
          <TextField label="Password again" type="password" autoComplete="new-password" error={err("confirm")}
            {...register("confirm", { validate: (v, all) => v === all.password || "The two passwords differ." })} />
        </div>
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create user"}</button>
          <Link className="button secondary" to="/admin/users">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
