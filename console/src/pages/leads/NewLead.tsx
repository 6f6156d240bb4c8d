// A new lead: the server's reasons show next to their fields (and a whole-form reason above the button).
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router";
import { post } from "../../lib/api";
import { label } from "../../lib/format";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { OwnerSelect } from "../../components/records";
import { LEAD_SOURCES, type Lead } from "./lead";

interface Values {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  company: string;
  title: string;
  country: string;
  source: string;
  owner: string;
  notes: string;
}

const NAMES = ["first_name", "last_name", "email", "phone", "company", "title", "country", "source", "owner", "notes"];

export function NewLead() {
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ defaultValues: { source: "manual" } });
  const submit = async (values: Values) => {
    setGeneral([]);
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && String(v).trim() !== ""));
    try {
      const lead = await post<Lead>("/leads", body);
      navigate(`/leads/${lead.id}`, { replace: true });
    } catch (e) {
      setGeneral(applyProblem(e, setError, NAMES));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New lead</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New lead">
        <p className="muted">Give at least a name, an email, a phone or a company. If no owner is picked, the assignment rules choose one.</p>
        <div className="form-grid">
          <TextField label="First name" autoComplete="off" error={err("first_name")} {...register("first_name")} />
          <TextField label="Last name" autoComplete="off" error={err("last_name")} {...register("last_name")} />
          <TextField label="Email" type="email" error={err("email")} {...register("email")} />
          <TextField label="Phone" type="tel" error={err("phone")} hint="With its country code, or set the country." {...register("phone")} />
          <TextField label="Company" error={err("company")} {...register("company")} />
          <TextField label="Job title" error={err("title")} {...register("title")} />
          <TextField label="Country" maxLength={2} error={err("country")} hint="Two-letter ISO code: DE, US, GB…" {...register("country")} />
          <SelectField label="Source" error={err("source")} options={LEAD_SOURCES.map((s) => ({ value: s, label: label(s) }))} {...register("source")} />
          <OwnerSelect label="Owner" error={err("owner")} placeholder="Assignment rules decide" {...register("owner")} />
        </div>
        <TextArea label="Notes" error={err("notes")} {...register("notes")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create lead"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
