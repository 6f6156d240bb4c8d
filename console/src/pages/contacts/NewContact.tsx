// A new contact, at an account picked by name (or given in ?account_id=); the
// server's reasons show next to their fields, a duplicate links to the one that exists.
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { Link, useNavigate, useSearchParams } from "react-router";
import { post, Problem } from "../../lib/api";
import { label } from "../../lib/format";
import { useSession } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import { OwnerSelect } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { CONTACT_ROLES, type Contact } from "./contact";

interface Values {
  first_name: string;
  last_name: string;
  title: string;
  email: string;
  phone: string;
  role: string;
  owner: string;
  account_id: string;
  do_not_call: boolean;
  do_not_email: boolean;
}

const NAMES = ["first_name", "last_name", "title", "email", "phone", "role", "owner", "account_id"];

export function NewContact() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [general, setGeneral] = useState<string[]>([]);
  const [existing, setExisting] = useState<string>();
  const { register, handleSubmit, setError, control, formState } = useForm<Values>({
    defaultValues: { account_id: params.get("account_id") ?? "", owner: session.user.username, role: "", do_not_call: false, do_not_email: false },
  });
  const submit = async (v: Values) => {
    setGeneral([]);
    setExisting(undefined);
    const body: Record<string, unknown> = { do_not_call: v.do_not_call, do_not_email: v.do_not_email };
    for (const key of ["first_name", "last_name", "title", "role", "owner", "account_id"] as const) {
      if (v[key]?.trim()) body[key] = v[key].trim();
    }
    if (v.email.trim()) body.emails = [v.email.trim()];
    if (v.phone.trim()) body.phones = [v.phone.trim()];
    try {
      const contact = await post<Contact>("/contacts", body);
      navigate(`/contacts/${contact.id}`, { replace: true });
    } catch (e) {
      if (e instanceof Problem && e.status === 409 && e.body.existing_id) setExisting(String(e.body.existing_id));
      setGeneral(applyProblem(e, setError, NAMES, { emails: "email", phones: "phone" }));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New contact</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New contact">
        <p className="muted">Give a first or a last name. More emails and phones can be added on the contact's page.</p>
        <div className="form-grid">
          <TextField label="First name" autoComplete="off" error={err("first_name")} {...register("first_name")} />
          <TextField label="Last name" autoComplete="off" error={err("last_name")} {...register("last_name")} />
          <TextField label="Job title" error={err("title")} {...register("title")} />
          <TextField label="Email" type="email" error={err("email")} hint="The primary email: one contact per email." {...register("email")} />
          <TextField label="Phone" type="tel" error={err("phone")}
            hint="With its country code (+44 20 7946 0958), or national when the account has a country." {...register("phone")} />
          <SelectField label="Role at the account" error={err("role")} placeholder="—"
            options={CONTACT_ROLES.map((r) => ({ value: r, label: label(r) }))} {...register("role")} />
          <OwnerSelect label="Owner" error={err("owner")} current={session.user.username} {...register("owner")} />
          <Controller control={control} name="account_id" render={({ field }) => (
            <AccountPicker value={field.value} onChange={field.onChange} error={err("account_id")} placeholder="(no account)" />
          )} />
        </div>
        <div className="field">
          <label className="tick"><input type="checkbox" {...register("do_not_call")} /> Do not call</label>
          <label className="tick"><input type="checkbox" {...register("do_not_email")} /> Do not email</label>
        </div>
        {(general.length > 0 || existing) && (
          <FormAlert>
            {general.map((m) => <p key={m}>{m}</p>)}
            {existing && <p><Link to={`/contacts/${existing}`}>Open the existing contact</Link></p>}
          </FormAlert>
        )}
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create contact"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
