// One lead: its details edited in place, status moves, reassignment,
// conversion, score explanation, history and activities.
import { useState } from "react";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { useForm } from "react-hook-form";
import { get, getWithEtag, post, Problem, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import { Activities, History, OwnerSelect } from "../../components/records";
import { applyProblem, FormAlert, TextField } from "../../components/forms";
import { MissingRates, type Warning } from "../../components/MissingRates";
import { ConsentPanel } from "../campaigns/ConsentPanel";
import { leadName, type Lead } from "./lead";

interface Score {
  score: number;
  contributions: { rule?: string; field?: string; points?: number; [key: string]: unknown }[];
}

interface Data {
  lead: Lead;
  etag?: string;
  score: Score | null;
}

export async function leadLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const [answer, score] = await Promise.all([
    getWithEtag<Lead>(`/leads/${params.leadId}`, req.signal),
    get<Score>(`/leads/${params.leadId}/score`, undefined, req.signal).catch(() => null),
  ]);
  return { lead: answer.data, etag: answer.etag, score };
}

const FIELDS: FactField[] = [
  { name: "first_name", label: "First name" },
  { name: "last_name", label: "Last name" },
  { name: "email", label: "Email", type: "email" },
  {
    name: "phone", label: "Phone", type: "tel", hint: "With its country code (+44 20 7946 0958), or set the country.",
    show: (l: Lead) => (l.phone ? <>{l.phone}{l.phone_text && l.phone_text !== l.phone && <span className="muted"> (typed as “{l.phone_text}”)</span>}</> : "—"),
  },
  { name: "company", label: "Company" },
  { name: "title", label: "Job title" },
  { name: "industry", label: "Industry" },
  { name: "country", label: "Country", type: "country" },
  { name: "company_size", label: "Company size", type: "number" },
  { name: "notes", label: "Notes", type: "textarea" },
  { name: "source", label: "Source", readOnly: true, show: (l: Lead) => label(l.source) },
  { name: "created_at", label: "Created", readOnly: true, show: (l: Lead) => when(l.created_at) },
];

const NEXT_STATUSES: Record<string, string[]> = {
  new: ["working", "qualified", "disqualified"],
  working: ["qualified", "disqualified"],
  qualified: ["working", "disqualified"],
  disqualified: ["working"],
  converted: [],
};

function StatusActions({ lead, etag, done }: { lead: Lead; etag?: string; done: () => void }) {
  const [reason, setReason] = useState("");
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>();
  const move = async (status: string) => {
    setError(undefined);
    try {
      await request(`/leads/${lead.id}`, {
        method: "PATCH", ifMatch: etag,
        body: status === "disqualified" ? { status, status_reason: reason || undefined } : { status },
      });
      setAsking(false);
      done();
    } catch (e) {
      setError(e);
    }
  };
  const options = NEXT_STATUSES[lead.status] ?? [];
  if (options.length === 0) return null;
  return (
    <div>
      <div className="actions">
        {options.filter((s) => s !== "disqualified").map((s) => (
          <button key={s} type="button" className="secondary" onClick={() => move(s)}>
            {s === "qualified" ? "Qualify" : s === "working" ? "Start working" : label(s)}
          </button>
        ))}
        {options.includes("disqualified") && !asking && (
          <button type="button" className="secondary" onClick={() => setAsking(true)}>Disqualify…</button>
        )}
      </div>
      {asking && (
        <form className="toolbar" onSubmit={(e) => { e.preventDefault(); move("disqualified"); }} aria-label="Disqualify">
          <TextField label="Why is it disqualified?" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          <button type="submit" className="danger">Disqualify</button>
          <button type="button" className="secondary" onClick={() => setAsking(false)}>Cancel</button>
        </form>
      )}
      <FormAlert error={error} />
    </div>
  );
}

function Reassign({ lead, done }: { lead: Lead; done: () => void }) {
  const [owner, setOwner] = useState(lead.owner ?? "");
  const [error, setError] = useState<string>();
  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await request(`/leads/${lead.id}/owner`, { method: "PUT", body: { owner } });
      done();
    } catch (e) {
      setError(e instanceof Problem ? (e.errors.owner ?? [e.detail]).join(" ") : String(e));
    }
  };
  return (
    <form className="toolbar" onSubmit={save} aria-label="Reassign">
      <OwnerSelect label="Owner" value={owner} current={lead.owner} error={error}
        onChange={(e) => setOwner(e.target.value)} placeholder="Pick an owner" />
      <button type="submit" disabled={!owner || owner === lead.owner}>Reassign</button>
    </form>
  );
}

interface ConvertValues {
  owner: string;
  create_opportunity: boolean;
  name: string;
  amount: string;
  currency: string;
  expected_close_date: string;
}

function Convert({ lead }: { lead: Lead }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [warnings, setWarnings] = useState<Warning[]>([]);
  const [result, setResult] = useState<{ account_id: string; opportunity_id?: string | null } | null>(null);
  const { register, handleSubmit, setError, watch, formState } = useForm<ConvertValues>({
    defaultValues: { owner: "", create_opportunity: true, name: "", amount: "", currency: "", expected_close_date: "" },
  });
  const withDeal = watch("create_opportunity");
  const submit = async (v: ConvertValues) => {
    setGeneral([]);
    const body: Record<string, unknown> = { create_opportunity: v.create_opportunity };
    if (v.owner) body.owner = v.owner;
    if (v.create_opportunity) {
      const deal: Record<string, unknown> = {};
      if (v.name.trim()) deal.name = v.name.trim();
      if (v.amount.trim()) deal.amount = v.amount.trim();
      if (v.currency.trim()) deal.currency = v.currency.trim().toUpperCase();
      if (v.expected_close_date) deal.expected_close_date = v.expected_close_date;
      body.opportunity = deal;
    }
    try {
      const answer = await post<{ account_id: string; opportunity_id?: string | null; warnings?: Warning[] }>(`/leads/${lead.id}/convert`, body);
      if (answer.warnings?.length) {
        setWarnings(answer.warnings);
        setResult(answer);
      } else {
        navigate(answer.opportunity_id ? `/opportunities/${answer.opportunity_id}` : `/accounts/${answer.account_id}`);
      }
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["owner", "name", "amount", "currency", "expected_close_date"],
        { "opportunity.name": "name", "opportunity.amount": "amount", "opportunity.currency": "currency", "opportunity.expected_close_date": "expected_close_date" }));
    }
  };
  if (result) {
    return (
      <section className="panel">
        <h2>Converted</h2>
        <MissingRates warnings={warnings} />
        <p>
          <Link to={`/accounts/${result.account_id}`}>Open the account</Link>
          {result.opportunity_id && <> · <Link to={`/opportunities/${result.opportunity_id}`}>Open the opportunity</Link></>}
        </p>
      </section>
    );
  }
  if (!open) return <button type="button" onClick={() => setOpen(true)}>Convert…</button>;
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-label="Convert the lead">
      <h2>Convert {leadName(lead)}</h2>
      <p className="muted">Makes (or finds) the account, a contact and, if you want, an opportunity. You become the owner unless you pick someone.</p>
      <div className="form-grid">
        <OwnerSelect label="Owner" error={formState.errors.owner?.message} placeholder="Me" {...register("owner")} />
        <div className="field">
          <label><input type="checkbox" {...register("create_opportunity")} /> Create an opportunity</label>
        </div>
      </div>
      {withDeal && (
        <div className="form-grid">
          <TextField label="Opportunity name" placeholder="Default: the account's name - new business" error={formState.errors.name?.message} {...register("name")} />
          <TextField label="Amount" inputMode="decimal" error={formState.errors.amount?.message} {...register("amount")} />
          <TextField label="Currency" maxLength={3} placeholder="Default: reporting currency" error={formState.errors.currency?.message} {...register("currency")} />
          <TextField label="Expected close date" type="date" error={formState.errors.expected_close_date?.message} {...register("expected_close_date")} />
        </div>
      )}
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Convert</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </form>
  );
}

export function LeadPage() {
  const { lead, etag, score } = useLoaderData() as Data;
  const can = useCan();
  const revalidator = useRevalidator();
  const refresh = () => revalidator.revalidate();
  const writable = can("leads:write") && lead.status !== "converted" && !lead.merged_into;
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{leadName(lead)}</h1>
          <p className="muted">
            <span className={`badge ${lead.status}`}>{label(lead.status)}</span> · score {lead.score} · owner {lead.owner ?? "nobody"}
            {lead.status_reason && <> · {lead.status_reason}</>}
          </p>
        </div>
        {writable && <StatusActions lead={lead} etag={etag} done={refresh} />}
      </div>
      {lead.merged_into && (
        <p className="alert info">This lead was merged into <Link to={`/leads/${lead.merged_into}`}>another lead</Link>.</p>
      )}
      {lead.status === "converted" && (
        <p className="alert ok">
          Converted {when(lead.converted_at)}:{" "}
          {lead.converted_account_id && <Link to={`/accounts/${lead.converted_account_id}`}>account</Link>}
          {lead.converted_contact_id && <> · <Link to={`/contacts/${lead.converted_contact_id}`}>contact</Link></>}
          {lead.converted_opportunity_id && <> · <Link to={`/opportunities/${lead.converted_opportunity_id}`}>opportunity</Link></>}
        </p>
      )}
      <div className="grid-2">
        <div>
          <EditableFacts record={lead} fields={FIELDS} path={`/leads/${lead.id}`} etag={etag} canEdit={writable} onSaved={refresh} />
          <Activities link={{ lead_id: lead.id }} />
          <History path={`/leads/${lead.id}/history`} version={lead.version} />
        </div>
        <aside>
          {writable && (
            <section className="panel" aria-label="Owner">
              <h2>Owner</h2>
              <Reassign lead={lead} done={refresh} />
            </section>
          )}
          {lead.status === "qualified" && can("sales:write") && (
            <section className="panel" aria-label="Conversion">
              <h2>Conversion</h2>
              <Convert lead={lead} />
            </section>
          )}
          <section className="panel" aria-labelledby="score-heading">
            <h2 id="score-heading">Score {lead.score}</h2>
            {score && score.contributions.length > 0 ? (
              <ul>
                {score.contributions.map((c, i) => (
                  <li key={i}>{String(c.rule ?? c.name ?? c.field ?? "rule")}: {String(c.points ?? "")}</li>
                ))}
              </ul>
            ) : <p className="muted">No scoring rule matches this lead.</p>}
            <p className="muted">Engagement {lead.engagement}</p>
          </section>
          <ConsentPanel kind="lead" sourceId={lead.id} />
        </aside>
      </div>
    </article>
  );
}
