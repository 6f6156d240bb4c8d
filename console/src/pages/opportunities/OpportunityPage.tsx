// One opportunity: its facts edited in place, stage moves (a lost stage asks
// why), the stage history, activities and history; what a save could not do
// (a missing exchange rate) is said until the page is left.
import { useEffect, useState } from "react";
import { Link, useLoaderData, useLocation, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, Problem, request } from "../../lib/api";
import { day, label, money, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import { Activities, History } from "../../components/records";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { MissingRates, type Warning } from "../../components/MissingRates";
import { accountName } from "../accounts/account";
import { OpportunityQuotes } from "../quotes/OpportunityQuotes";
import {
  FORECAST_CATEGORIES, loadPipelines, nextStages, stageName,
  type Opportunity, type Pipeline, type SavedOpportunity, type StageChange,
} from "./opportunity";

interface Data {
  opportunity: Opportunity;
  etag?: string;
  stages: StageChange[] | null;
  pipelines: Pipeline[];
  account: string | null;
}

export async function opportunityLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const id = params.opportunityId!;
  const [answer, stages, pipelines] = await Promise.all([
    getWithEtag<Opportunity>(`/opportunities/${id}`, req.signal),
    get<{ items: StageChange[] }>(`/opportunities/${id}/stage-history`, undefined, req.signal).then((h) => h.items).catch(() => null),
    loadPipelines(req.signal).catch(() => [] as Pipeline[]),
  ]);
  const account = await accountName(answer.data.account_id);
  return { opportunity: answer.data, etag: answer.etag, stages, pipelines, account };
}

function fields(pipelines: Pipeline[], account: string | null): FactField[] {
  return [
    { name: "name", label: "Name" },
    {
      name: "account_id", label: "Account", readOnly: true,
      show: (o: Opportunity) => <Link to={`/accounts/${o.account_id}`}>{account ?? "Open the account"}</Link>,
    },
    { name: "amount", label: "Amount", hint: "Like 12500.00 (up to two decimal places).", show: (o: Opportunity) => money(o.amount, o.currency) },
    { name: "currency", label: "Currency", hint: "Three-letter ISO code, like EUR." },
    { name: "expected_close_date", label: "Expected close date", type: "date", show: (o: Opportunity) => day(o.expected_close_date) },
    {
      name: "probability", label: "Probability (%)", type: "number", hint: "Empty: the stage's probability.",
      show: (o: Opportunity) => `${o.probability} %${o.probability_overridden ? " (set by hand)" : " (the stage's)"}`,
    },
    {
      name: "forecast_category", label: "Forecast category", type: "select", hint: "Empty: the stage's.",
      options: FORECAST_CATEGORIES.map((c) => ({ value: c, label: label(c) })),
      show: (o: Opportunity) => (o.forecast_category ? label(o.forecast_category) : "The stage's"),
    },
    { name: "owner", label: "Owner", type: "owner" },
    { name: "next_step", label: "Next step", type: "textarea" },
    { name: "source", label: "Source" },
    {
      name: "pipeline_id", label: "Pipeline", readOnly: true,
      show: (o: Opportunity) => pipelines.find((p) => p.id === o.pipeline_id)?.name ?? o.pipeline_id,
    },
    { name: "stage", label: "Stage", readOnly: true, show: (o: Opportunity) => stageName(pipelines, o.pipeline_id, o.stage) },
    { name: "closed_on", label: "Closed on", readOnly: true, show: (o: Opportunity) => day(o.closed_on) },
    { name: "loss_reason", label: "Why it was lost" },
    {
      name: "primary_contact_id", label: "Primary contact", readOnly: true,
      show: (o: Opportunity) => (o.primary_contact_id ? <Link to={`/contacts/${o.primary_contact_id}`}>Open the contact</Link> : "—"),
    },
    {
      name: "lead_id", label: "Converted from", readOnly: true,
      show: (o: Opportunity) => (o.lead_id ? <Link to={`/leads/${o.lead_id}`}>the lead</Link> : "—"),
    },
    { name: "created_at", label: "Created", readOnly: true, show: (o: Opportunity) => `${when(o.created_at)}${o.created_by ? ` by ${o.created_by}` : ""}` },
  ];
}

function StageMove({ opportunity, etag, pipeline, saved }: {
  opportunity: Opportunity; etag?: string; pipeline?: Pipeline; saved: (answer: SavedOpportunity) => void;
}) {
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const options = nextStages(pipeline, opportunity.stage);
  const lost = options.find((s) => s.key === target)?.category === "lost";
  const move = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setFieldErrors({});
    setBusy(true);
    try {
      const body = lost ? { stage: target, loss_reason: reason.trim() || null } : { stage: target };
      const answer = await request<SavedOpportunity>(`/opportunities/${opportunity.id}`, {
        method: "PATCH", body, ifMatch: etag ?? `"${opportunity.version}"`,
      });
      setTarget("");
      setReason("");
      saved(answer.data);
    } catch (e) {
      if (e instanceof Problem && (e.errors.stage || e.errors.loss_reason)) {
        setFieldErrors({ stage: (e.errors.stage ?? []).join(" "), loss_reason: (e.errors.loss_reason ?? []).join(" ") });
      } else {
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };
  if (options.length === 0) return null;
  return (
    <form className="panel" onSubmit={move} aria-labelledby="move-heading">
      <h2 id="move-heading">Stage</h2>
      <p>
        Now <span className={`badge ${opportunity.category}`}>{stageName(pipeline ? [pipeline] : [], opportunity.pipeline_id, opportunity.stage)}</span>
        {" "}({label(opportunity.category)}, {opportunity.probability} %)
      </p>
      <SelectField label="Move to" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="Pick a stage"
        error={fieldErrors.stage || undefined}
        options={options.map((s) => ({ value: s.key, label: s.category === "open" ? `${s.name} (${s.probability} %)` : `${s.name} (${s.category})` }))} />
      {lost && (
        <TextField label="Why was it lost?" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500}
          error={fieldErrors.loss_reason || undefined} hint="Needed to move to a lost stage." />
      )}
      <FormAlert error={error} />
      <div className="actions">
        <button type="submit" disabled={!target || busy}>Move</button>
      </div>
    </form>
  );
}

function StageHistory({ stages, pipelines, pipelineId }: { stages: StageChange[]; pipelines: Pipeline[]; pipelineId: string }) {
  const name = (key: string | null) => (key ? stageName(pipelines, pipelineId, key) : "—");
  return (
    <section className="panel" aria-labelledby="stage-history-heading">
      <h2 id="stage-history-heading">Stage history</h2>
      {stages.length === 0 ? <p className="muted">No stage changes yet.</p> : (
        // Focusable, so the table can be scrolled sideways with the keyboard.
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Stage changes">
          <table className="list">
            <caption className="visually-hidden">Stage changes, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th><th scope="col">From</th><th scope="col">To</th>
                <th scope="col" className="num">Probability</th><th scope="col" className="num">Amount</th><th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {stages.map((s, i) => (
                <tr key={`${s.changed_at}-${i}`}>
                  <td data-label="When">{when(s.changed_at)}</td>
                  <td data-label="From">{name(s.from_stage)}</td>
                  <td data-label="To">{name(s.to_stage)}</td>
                  <td data-label="Probability" className="num">{s.probability} %</td>
                  <td data-label="Amount" className="num">{money(s.amount, s.currency)}</td>
                  <td data-label="By">{s.changed_by ?? "system"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function OpportunityPage() {
  const { opportunity: o, etag, stages, pipelines, account } = useLoaderData() as Data;
  const location = useLocation();
  const can = useCan();
  const revalidator = useRevalidator();
  // Warnings of the save that led here (New opportunity), then of each save on this page.
  const [warnings, setWarnings] = useState<Warning[]>(() => (location.state as { warnings?: Warning[] } | null)?.warnings ?? []);
  const [moved, setMoved] = useState<string>();
  useEffect(() => {
    setWarnings((location.state as { warnings?: Warning[] } | null)?.warnings ?? []);
    setMoved(undefined);
  }, [location.key, location.state]);
  const saved = (answer: SavedOpportunity | undefined) => {
    setWarnings(answer?.warnings ?? []);
    revalidator.revalidate();
  };
  const pipeline = pipelines.find((p) => p.id === o.pipeline_id);
  const writable = can("sales:write");
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{o.name}</h1>
          <p className="muted">
            <span className={`badge ${o.category}`}>{stageName(pipelines, o.pipeline_id, o.stage)}</span> · {money(o.amount, o.currency)}
            {" "}· <Link to={`/accounts/${o.account_id}`}>{account ?? "account"}</Link> · owner {o.owner ?? "nobody"}
            {" "}· {o.closed_on ? `closed ${day(o.closed_on)}` : `closing ${day(o.expected_close_date)}`}
          </p>
        </div>
      </div>
      <MissingRates warnings={warnings} />
      {moved && <p role="status" className="alert ok">{moved}</p>}
      {o.category === "lost" && o.loss_reason && <p className="alert info">Lost: {o.loss_reason}</p>}
      <div className="grid-2">
        <div>
          <EditableFacts record={o} fields={fields(pipelines, account)} path={`/opportunities/${o.id}`} etag={etag}
            canEdit={writable} onSaved={(answer) => { setMoved(undefined); saved(answer.data as SavedOpportunity); }} />
          {stages && <StageHistory stages={stages} pipelines={pipelines} pipelineId={o.pipeline_id} />}
          <Activities link={{ opportunity_id: o.id }} />
          <History path={`/opportunities/${o.id}/history`} version={o.version} />
        </div>
        <aside>
          <OpportunityQuotes opportunityId={o.id} accountId={o.account_id} />
          {writable && (
            <StageMove key={`${o.id}-${o.version}`} opportunity={o} etag={etag} pipeline={pipeline}
              saved={(answer) => { setMoved(`Moved to ${stageName(pipelines, answer.pipeline_id, answer.stage)}.`); saved(answer); }} />
          )}
        </aside>
      </div>
    </article>
  );
}
