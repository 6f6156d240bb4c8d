// A new task: subject, due time, owner, and the lead, account, contact or
// opportunity it is for (picked by searching, or given in the URL by a record page).
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useLoaderData, useNavigate, type LoaderFunctionArgs } from "react-router";
import { get, post } from "../../lib/api";
import { applyProblem, FormAlert, TextArea, TextField } from "../../components/forms";
import { localToIso, OwnerSelect } from "../../components/records";
import { RecordPicker, type Picked } from "../../components/RecordPicker";
import { LINK_FIELD, recordTitle, type RecordKind } from "./task";

interface Values {
  subject: string;
  due_at: string;
  owner: string;
  body: string;
}

interface Data {
  linked: Picked | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `?lead_id=...` (or account_id, contact_id, opportunity_id): the record the task is for. */
export async function newTaskLoader({ request }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(request.url).searchParams;
  for (const [kind, field] of Object.entries(LINK_FIELD) as [RecordKind, string][]) {
    const id = params.get(field);
    if (id && UUID.test(id)) {
      try {
        const record = await get<Record<string, unknown>>(`/${kind}/${id}`, undefined, request.signal);
        return { linked: { kind, id, title: recordTitle(record) } };
      } catch {
        return { linked: null };
      }
    }
  }
  return { linked: null };
}

const NAMES = ["subject", "due_at", "owner", "body"];

export function NewTask() {
  const { linked: given } = useLoaderData() as Data;
  const navigate = useNavigate();
  const [linked, setLinked] = useState<Picked | null>(given);
  const [linkError, setLinkError] = useState<string>();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    defaultValues: { subject: "", due_at: "", owner: "", body: "" },
  });
  const submit = async (values: Values) => {
    setGeneral([]);
    setLinkError(undefined);
    if (!linked) {
      setLinkError("Pick the lead, account, contact or opportunity this task is for.");
      return;
    }
    try {
      await post("/activities", {
        kind: "task",
        subject: values.subject,
        due_at: localToIso(values.due_at),
        owner: values.owner || undefined,
        body: values.body.trim() || undefined,
        [LINK_FIELD[linked.kind]]: linked.id,
      });
      navigate("/tasks", { state: { created: values.subject.trim() } });
    } catch (e) {
      const rest = applyProblem(e, setError, NAMES);
      const linkMessages = rest.filter((m) => /^(lead_id|account_id|contact_id|opportunity_id): /.test(m) || m.startsWith("Link the activity"));
      if (linkMessages.length) setLinkError(linkMessages.map((m) => m.replace(/^\w+_id: /, "")).join(" "));
      setGeneral(rest.filter((m) => !linkMessages.includes(m)));
    }
  };
  const noLink = () => {
    if (!linked) setLinkError("Pick the lead, account, contact or opportunity this task is for.");
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New task</h1>
      <form onSubmit={handleSubmit(submit, noLink)} noValidate className="panel" aria-label="New task">
        <div className="form-grid">
          <TextField label="Subject" error={err("subject")} autoFocus maxLength={300}
            {...register("subject", { validate: (v) => v.trim() !== "" || "Say in one line what is to be done." })} />
          <TextField label="Due" type="datetime-local" error={err("due_at")} hint="Your local time; leave empty for no due time." {...register("due_at")} />
          <OwnerSelect label="Owner" error={err("owner")} placeholder="Me" {...register("owner")} />
        </div>
        <RecordPicker label="For" value={linked} onChange={(value) => { setLinked(value); setLinkError(undefined); }}
          error={linkError} hint="The lead, account, contact or opportunity the task is about." />
        <TextArea label="Details" error={err("body")} {...register("body")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create task"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
