// A new case (a phone call, a walk-in, something seen elsewhere): the account
// and contact (typed and picked, or ?account_id= / ?contact_id=), or only an
// email address, the priority, channel, type, subject and description. The
// team and owner come from the routing rules unless picked here.
import { useEffect, useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { useNavigate, useSearchParams } from "react-router";
import { get, post } from "../../lib/api";
import { label } from "../../lib/format";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { OwnerSelect, type Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { RecordPicker, type Picked } from "../../components/RecordPicker";
import { contactName, type Contact } from "../contacts/contact";
import { CASE_CHANNELS, CASE_PRIORITIES, loadTeams, type Case, type Team } from "./case";

interface Values {
  account_id: string;
  contact_id: string;
  contact_email: string;
  priority: string;
  channel: string;
  type: string;
  subject: string;
  description: string;
  team_id: string;
  owner_id: string;
}

const FIELDS: (keyof Values)[] = ["account_id", "contact_id", "contact_email", "priority", "channel", "type", "subject",
  "description", "team_id", "owner_id"];

export function NewCase() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const can = useCan();
  const [general, setGeneral] = useState<string[]>([]);
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [pickedContact, setPickedContact] = useState<Picked | null>(null);
  useEffect(() => {
    loadTeams().then(setTeams);
  }, []);
  const { register, handleSubmit, setError, control, watch, setValue, formState } = useForm<Values>({
    defaultValues: {
      account_id: params.get("account_id") ?? "", contact_id: params.get("contact_id") ?? "", contact_email: "",
      priority: "normal", channel: "phone", type: "", subject: "", description: "", team_id: "", owner_id: "",
    },
  });
  const accountId = watch("account_id");
  // A contact given in the URL (?contact_id=) without an account shows as picked.
  useEffect(() => {
    const given = params.get("contact_id");
    if (!given || params.get("account_id")) return;
    const controller = new AbortController();
    get<Contact>(`/contacts/${given}`, undefined, controller.signal)
      .then((x) => setPickedContact({ kind: "contacts", id: x.id, title: contactName(x) }))
      .catch(() => undefined);
    return () => controller.abort();
  }, [params]);
  useEffect(() => {
    if (!accountId) {
      setContacts([]);
      return;
    }
    const controller = new AbortController();
    get<Page<Contact>>("/contacts", { account_id: accountId, limit: 100 }, controller.signal)
      .then((page) => setContacts(page.items))
      .catch(() => setContacts([]));
    return () => controller.abort();
  }, [accountId]);
  const contactId = watch("contact_id");
  useEffect(() => {
    const known = contacts.find((x) => x.id === contactId);
    if (known?.emails?.[0]) {
      setValue("contact_email", known.emails[0]);
      return;
    }
    if (!contactId || known) return;
    const controller = new AbortController();
    get<Contact>(`/contacts/${contactId}`, undefined, controller.signal)
      .then((x) => x.emails?.[0] && setValue("contact_email", x.emails[0]))
      .catch(() => undefined);
    return () => controller.abort();
  }, [contactId, contacts, setValue]);

  if (!can("cases:write")) return <section><h1>New case</h1><p className="alert info">Your role reads cases; the support team opens them.</p></section>;

  const submit = async (v: Values) => {
    setGeneral([]);
    const body: Record<string, unknown> = { subject: v.subject, priority: v.priority, channel: v.channel };
    for (const key of ["account_id", "contact_id", "contact_email", "type", "description", "team_id", "owner_id"] as const) {
      if (v[key].trim()) body[key] = v[key].trim();
    }
    try {
      const made = await post<Case>("/cases", body);
      navigate(`/cases/${made.id}`, { replace: true, state: { message: `Case ${made.number} opened.` } });
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New case</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New case">
        <div className="form-grid">
          <Controller control={control} name="account_id"
            render={({ field }) => <AccountPicker value={field.value} onChange={(id) => { field.onChange(id); setValue("contact_id", ""); setPickedContact(null); }}
              error={err("account_id")} placeholder="No account (only an email address)" />} />
          {accountId ? (
            <SelectField label="Contact" error={err("contact_id")}
              hint={contacts.length ? undefined : "This account has no contacts yet."}
              placeholder="(none)" options={contacts.map((x) => ({ value: x.id, label: `${contactName(x)}${x.emails?.[0] ? ` · ${x.emails[0]}` : ""}` }))}
              {...register("contact_id")} />
          ) : (
            <RecordPicker label="Contact" kinds={["contacts"]} value={pickedContact} error={err("contact_id")}
              hint="Or find the contact first: the case takes its account."
              onChange={(picked) => { setPickedContact(picked); setValue("contact_id", picked?.id ?? ""); }} />
          )}
          <TextField label="Contact email" type="email" error={err("contact_email")} maxLength={320}
            hint="Replies are emailed here; filled from the contact." {...register("contact_email")} />
        </div>
        <div className="form-grid">
          <SelectField label="Priority" error={err("priority")} options={CASE_PRIORITIES.map((p) => ({ value: p, label: label(p) }))}
            {...register("priority")} />
          <SelectField label="Channel" error={err("channel")} options={CASE_CHANNELS.map((ch) => ({ value: ch, label: label(ch) }))}
            {...register("channel")} />
          <TextField label="Type" error={err("type")} hint="Question, problem, incident, request… (optional)" maxLength={50} {...register("type")} />
        </div>
        <TextField label="Subject" error={err("subject")} maxLength={300} hint="One line the customer would recognise."
          {...register("subject", { validate: (s) => s.trim() !== "" || "Say in one line what the case is about." })} />
        <TextArea label="Description" error={err("description")} rows={5} hint="What the customer reported, in their words if you can."
          {...register("description")} />
        <div className="form-grid">
          <SelectField label="Team" error={err("team_id")} placeholder="By the routing rules"
            options={teams.map((t) => ({ value: t.id, label: t.name }))} {...register("team_id")} />
          <OwnerSelect label="Owner" error={err("owner_id")} placeholder="By the routing rules" {...register("owner_id")} />
        </div>
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Opening…" : "Open case"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
