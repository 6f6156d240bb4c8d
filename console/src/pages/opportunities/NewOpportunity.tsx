// A new opportunity at an account (picked by name, or given in ?account_id=):
// pipeline and stage from the pipelines' configuration, the amount in any
// currency. A missing exchange rate is said on the opportunity's page.
import { useEffect, useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { useLoaderData, useNavigate, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, post } from "../../lib/api";
import { useSession } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { OwnerSelect, type Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { contactName, type Contact } from "../contacts/contact";
import { loadPipelines, type Pipeline, type SavedOpportunity } from "./opportunity";

interface Data {
  pipelines: Pipeline[];
  /** The reporting currency (the default for new amounts). */
  currency: string | null;
}

export async function newOpportunityLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const [pipelines, currency] = await Promise.all([
    loadPipelines(req.signal),
    get<{ currency: string }>("/exchange-rates", undefined, req.signal).then((r) => r.currency).catch(() => null),
  ]);
  return { pipelines, currency };
}

interface Values {
  account_id: string;
  primary_contact_id: string;
  name: string;
  amount: string;
  currency: string;
  pipeline_id: string;
  stage: string;
  probability: string;
  expected_close_date: string;
  owner: string;
  next_step: string;
  loss_reason: string;
}

const NAMES = ["account_id", "primary_contact_id", "name", "amount", "currency", "pipeline_id", "stage", "probability",
  "expected_close_date", "owner", "next_step", "loss_reason"];

/** The last day of the current quarter, as the form's default close date. */
function quarterEnd(): string {
  const now = new Date();
  const end = new Date(now.getFullYear(), Math.floor(now.getMonth() / 3) * 3 + 3, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}`;
}

export function NewOpportunity() {
  const { pipelines, currency } = useLoaderData() as Data;
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [general, setGeneral] = useState<string[]>([]);
  const [contacts, setContacts] = useState<Contact[]>([]);
  const fallback = pipelines.find((p) => p.is_default) ?? pipelines[0];
  const { register, handleSubmit, setError, setValue, control, watch, formState } = useForm<Values>({
    defaultValues: {
      account_id: params.get("account_id") ?? "",
      primary_contact_id: params.get("primary_contact_id") ?? "",
      currency: currency ?? "",
      pipeline_id: fallback?.id ?? "",
      stage: "",
      expected_close_date: quarterEnd(),
      owner: session.user.username,
    },
  });
  const accountId = watch("account_id");
  const pipelineId = watch("pipeline_id");
  const pipeline = pipelines.find((p) => p.id === pipelineId);
  const lost = pipeline?.stages.find((s) => s.key === watch("stage"))?.category === "lost";

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

  const submit = async (v: Values) => {
    setGeneral([]);
    const body: Record<string, unknown> = {};
    for (const key of ["account_id", "primary_contact_id", "name", "amount", "currency", "pipeline_id", "stage",
      "expected_close_date", "owner", "next_step", "loss_reason"] as const) {
      if (v[key]?.trim()) body[key] = v[key].trim();
    }
    if (v.probability?.trim()) body.probability = Number(v.probability.trim());
    try {
      const saved = await post<SavedOpportunity>("/opportunities", body);
      navigate(`/opportunities/${saved.id}`, { replace: true, state: { warnings: saved.warnings ?? [] } });
    } catch (e) {
      setGeneral(applyProblem(e, setError, NAMES));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  const firstOpen = pipeline?.stages.find((s) => s.category === "open");
  return (
    <section>
      <h1>New opportunity</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New opportunity">
        <div className="form-grid">
          <Controller control={control} name="account_id" rules={{ required: "Pick the account (customer) of the opportunity." }}
            render={({ field }) => (
            <AccountPicker value={field.value} onChange={(id) => { field.onChange(id); setValue("primary_contact_id", ""); }}
              error={err("account_id")} />
          )} />
          <SelectField label="Primary contact" error={err("primary_contact_id")} placeholder={accountId ? "(none)" : "Pick the account first"}
            options={contacts.map((c) => ({ value: c.id, label: contactName(c) }))} {...register("primary_contact_id")}
            key={`contacts-${accountId}-${contacts.length}`} />
          <TextField label="Name" autoComplete="off" error={err("name")} hint="Like “Acme – 200 seats”"
            {...register("name", { required: "Give the opportunity a name." })} />
          <TextField label="Amount" inputMode="decimal" error={err("amount")} hint="Like 12500.00; 0 when not known yet." {...register("amount")} />
          <TextField label="Currency" maxLength={3} autoCapitalize="characters" error={err("currency")}
            hint={currency ? `Three-letter code; the reporting currency is ${currency}.` : "Three-letter code, like EUR."}
            {...register("currency", { required: "Give the currency, like EUR." })} />
          {pipelines.length > 1 && (
            <SelectField label="Pipeline" error={err("pipeline_id")} options={pipelines.map((p) => ({ value: p.id, label: p.name }))}
              {...register("pipeline_id", { onChange: () => setValue("stage", "") })} />
          )}
          <SelectField label="Stage" error={err("stage")} placeholder={firstOpen ? `${firstOpen.name} (the first stage)` : "The first open stage"}
            options={(pipeline?.stages ?? []).map((s) => ({
              value: s.key, label: s.category === "open" ? `${s.name} (${s.probability} %)` : `${s.name} (${s.category})`,
            }))}
            {...register("stage")} key={`stage-${pipelineId}`} />
          {lost && <TextField label="Why was it lost?" error={err("loss_reason")} {...register("loss_reason")} />}
          <TextField label="Probability (%)" type="number" min={0} max={100} inputMode="numeric" error={err("probability")}
            hint="Empty: the stage's probability." {...register("probability")} />
          <TextField label="Expected close date" type="date" error={err("expected_close_date")}
            {...register("expected_close_date", { required: "Give the day it is expected to close." })} />
          <OwnerSelect label="Owner" error={err("owner")} current={session.user.username} {...register("owner")} />
        </div>
        <TextArea label="Next step" error={err("next_step")} {...register("next_step")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create opportunity"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
