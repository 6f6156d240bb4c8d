// /campaigns/new and /campaigns/:campaignId/edit: a campaign's name, type,
// dates, owner, money (budget and expected revenue in its currency) and
// parent. The server's reasons show next to their fields; an edit sends
// If-Match, so a change someone made meanwhile is told, never overwritten.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate } from "react-router";
import { get, post, request } from "../../lib/api";
import { useSession } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { OwnerSelect } from "../../components/records";
import { LeaveGuard } from "../admin/rules";
import { useCampaign } from "./CampaignPage";
import { typeOptions, type Campaign } from "./campaign";

interface Values {
  name: string;
  type: string;
  description: string;
  starts_on: string;
  ends_on: string;
  owner: string;
  currency: string;
  budget: string;
  expected_revenue: string;
  parent_id: string;
}

const FIELDS: (keyof Values)[] = ["name", "type", "description", "starts_on", "ends_on", "owner", "currency", "budget", "expected_revenue", "parent_id"];

export async function campaignFormLoader({ request: req }: { request: Request }): Promise<{ parents: Campaign[] }> {
  const page = await get<{ items: Campaign[] }>("/campaigns", { limit: 100, sort: "name" }, req.signal).catch(() => ({ items: [] as Campaign[] }));
  return { parents: page.items };
}

function toValues(c: Campaign | undefined, owner: string): Values {
  return {
    name: c?.name ?? "",
    type: c?.type ?? "email",
    description: c?.description ?? "",
    starts_on: c?.starts_on ?? "",
    ends_on: c?.ends_on ?? "",
    owner: c?.owner ?? owner,
    currency: c?.currency ?? "EUR",
    budget: c?.budget ?? "",
    expected_revenue: c?.expected_revenue ?? "",
    parent_id: c?.parent_id ?? "",
  };
}

function toBody(v: Values, only?: Set<string>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: v.name.trim(),
    type: v.type,
    description: v.description.trim() || null,
    starts_on: v.starts_on || null,
    ends_on: v.ends_on || null,
    owner: v.owner || null,
    currency: v.currency.trim().toUpperCase(),
    budget: v.budget.trim() || null,
    expected_revenue: v.expected_revenue.trim() || null,
    parent_id: v.parent_id || null,
  };
  if (!only) return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== null));
  return Object.fromEntries(Object.entries(all).filter(([key]) => only.has(key)));
}

const MONEY = /^\d+(\.\d{1,2})?$/;

function CampaignEditor({ campaign, etag, parents }: { campaign?: Campaign; etag?: string; parents: Campaign[] }) {
  const navigate = useNavigate();
  const session = useSession();
  const [general, setGeneral] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const { register, handleSubmit, setError, getValues, formState } = useForm<Values>({ defaultValues: toValues(campaign, session.user.username) });
  const errors = formState.errors;
  const save = async (values: Values) => {
    setGeneral([]);
    try {
      if (campaign) {
        const changed = new Set(Object.keys(formState.dirtyFields));
        if (changed.size > 0) {
          await request(`/campaigns/${campaign.id}`, { method: "PATCH", body: toBody(values, changed), ifMatch: etag ?? `"${campaign.version}"` });
        }
        setSaved(true);
        navigate(`/campaigns/${campaign.id}`, { state: { message: changed.size ? "Saved." : "Nothing was changed." } });
      } else {
        const made = await post<Campaign>("/campaigns", toBody(values));
        setSaved(true);
        navigate(`/campaigns/${made.id}`, { replace: true, state: { message: "Campaign created. Launch it when it is ready." } });
      }
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };
  const money = { validate: (v: string) => !v.trim() || MONEY.test(v.trim()) || "An amount like 1500 or 1500.50 (a dot before the cents)." };
  const parentOptions = parents.filter((p) => p.id !== campaign?.id).map((p) => ({ value: p.id, label: p.name }));
  return (
    <form onSubmit={handleSubmit(save)} noValidate className="panel" aria-label={campaign ? "Edit campaign" : "New campaign"}>
      <LeaveGuard dirty={formState.isDirty && !saved && !formState.isSubmitting} what="the campaign" />
      <div className="form-grid">
        <TextField label="Name" autoFocus={!campaign} maxLength={200} error={errors.name?.message}
          {...register("name", { validate: (v) => v.trim() !== "" || "Name the campaign, e.g. Spring webinar 2027." })} />
        <SelectField label="Type" options={typeOptions} error={errors.type?.message} {...register("type")} />
        <TextField label="Starts on" type="date" error={errors.starts_on?.message} {...register("starts_on")} />
        <TextField label="Ends on" type="date" error={errors.ends_on?.message}
          {...register("ends_on", { validate: (v) => !v || !getValues("starts_on") || v >= getValues("starts_on") || "The end is before the start: pick a later day." })} />
        <OwnerSelect label="Owner" error={errors.owner?.message} current={campaign?.owner ?? session.user.username} {...register("owner")} />
        <TextField label="Currency" maxLength={3} autoCapitalize="characters" error={errors.currency?.message}
          hint="Three letters (EUR, USD): budget, costs and revenue are in it."
          {...register("currency", { validate: (v) => /^[A-Za-z]{3}$/.test(v.trim()) || "Three letters, e.g. EUR." })} />
        <TextField label="Budget" inputMode="decimal" error={errors.budget?.message} {...register("budget", money)} />
        <TextField label="Expected revenue" inputMode="decimal" error={errors.expected_revenue?.message} {...register("expected_revenue", money)} />
        <SelectField label="Parent campaign" options={parentOptions} placeholder="(none)" error={errors.parent_id?.message} {...register("parent_id")} />
      </div>
      <TextArea label="Description" rows={3} error={errors.description?.message} {...register("description")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : campaign ? "Save campaign" : "Create campaign"}
        </button>
        <Link className="button secondary" to={campaign ? `/campaigns/${campaign.id}` : "/campaigns"}>Cancel</Link>
      </div>
    </form>
  );
}

export function NewCampaign() {
  const { parents } = useLoaderData() as { parents: Campaign[] };
  return (
    <section>
      <h1>New campaign</h1>
      <CampaignEditor parents={parents} />
    </section>
  );
}

export function EditCampaign() {
  const { parents } = useLoaderData() as { parents: Campaign[] };
  const { campaign, etag } = useCampaign();
  return (
    <section>
      <h1>Edit “{campaign.name}”</h1>
      <CampaignEditor key={`${campaign.id}-${campaign.version}`} campaign={campaign} etag={etag} parents={parents} />
    </section>
  );
}
