// /campaigns/:campaignId: a campaign's facts and the status moves the role and
// status allow (launch, complete, abort), its funnel and ROI by attribution
// model, its sends (start one, follow its progress), members, costs and responses.
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLocation, useRevalidator, useRouteLoaderData, type LoaderFunctionArgs } from "react-router";
import { del, get, getWithEtag, post, request } from "../../lib/api";
import { day, label, money, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { ActionButton } from "../orders/actions";
import { CampaignStatus } from "./CampaignList";
import { Funnel, RoiByModel } from "./Charts";
import {
  funnelSteps, loadLists, loadSegments, movesOf, personLink, personName, RESPONSE_KINDS, roiRows, sendTotal,
  type Campaign, type CampaignResponse, type Cost, type FunnelStep, type Member, type Roi, type Send, type Segment, type StaticList,
} from "./campaign";
import "./campaigns.css";

export interface CampaignData {
  campaign: Campaign;
  etag?: string;
  funnel: FunnelStep[] | null;
  roi: Roi | null;
  sends: Send[] | null;
}

export async function campaignLoader({ params, request: req }: LoaderFunctionArgs): Promise<CampaignData> {
  const id = params.campaignId;
  const [answer, funnel, roi, sends] = await Promise.all([
    getWithEtag<Campaign>(`/campaigns/${id}`, req.signal),
    get<unknown>(`/campaigns/${id}/funnel`, undefined, req.signal).then(funnelSteps).catch(() => undefined),
    get<unknown>(`/campaigns/${id}/roi`, undefined, req.signal).then(roiRows).catch(() => null),
    get<Page<Send>>(`/campaigns/${id}/sends`, { limit: 20 }, req.signal).then((p) => p.items).catch(() => null),
  ]);
  // Without the funnel's own answer, the campaign's member counts per stage are the funnel.
  const steps = funnel ?? (answer.data.funnel ? funnelSteps(answer.data.funnel) : null);
  return { campaign: answer.data, etag: answer.etag, funnel: steps, roi, sends };
}

export function useCampaign(): CampaignData {
  return useRouteLoaderData("campaign") as CampaignData;
}

function Facts({ campaign }: { campaign: Campaign }) {
  const c = campaign;
  return (
    <section className="panel" aria-labelledby="facts-heading">
      <h2 id="facts-heading">Details</h2>
      <dl className="facts">
        <dt>Type</dt><dd>{label(c.type)}</dd>
        <dt>Dates</dt><dd>{day(c.starts_on)} – {day(c.ends_on)}</dd>
        <dt>Owner</dt><dd>{c.owner ?? "—"}</dd>
        <dt>Budget</dt><dd>{money(c.budget, c.currency)}</dd>
        <dt>Costs so far</dt><dd>{money(c.cost_total ?? "0", c.currency)}</dd>
        <dt>Expected revenue</dt><dd>{money(c.expected_revenue, c.currency)}</dd>
        {c.parent_id && <><dt>Part of</dt><dd><Link to={`/campaigns/${c.parent_id}`}>{c.parent_name ?? "The parent campaign"}</Link></dd></>}
        {c.launched_at && <><dt>Launched</dt><dd>{when(c.launched_at)}</dd></>}
        {c.ended_at && <><dt>Ended</dt><dd>{when(c.ended_at)}</dd></>}
        <dt>Created</dt><dd>{when(c.created_at)}</dd>
      </dl>
      {c.description && <p className="pre-line">{c.description}</p>}
    </section>
  );
}

function Actions({ campaign, etag, done }: { campaign: Campaign; etag?: string; done: (message: string) => void }) {
  const moves = movesOf(campaign);
  const ifMatch = etag ?? `"${campaign.version}"`;
  const finished = campaign.status === "completed" || campaign.status === "aborted";
  return (
    <section className="panel" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <div className="action-stack">
        {!finished && <Link className="button secondary" to={`/campaigns/${campaign.id}/edit`}>Edit campaign</Link>}
        {campaign.type === "email" && !finished && (
          <Link className="button" to={`/campaigns/${campaign.id}/sends/new`}>Send an email</Link>
        )}
        {moves.map((move) => (
          <ActionButton key={move.action} className={move.danger ? "danger" : move.action === "launch" ? undefined : "secondary"}
            work={() => request(`/campaigns/${campaign.id}/${move.action}`, { method: "POST", ifMatch })}
            done={() => done(move.done)}>
            {move.label}
          </ActionButton>
        ))}
        {finished && <p className="muted">The campaign is {campaign.status}: nothing more can be changed; its figures stay.</p>}
      </div>
    </section>
  );
}

function Sends({ campaign, sends }: { campaign: Campaign; sends: Send[] | null }) {
  return (
    <section className="panel" aria-labelledby="sends-heading">
      <h2 id="sends-heading">Sends</h2>
      {sends === null ? <p className="muted">The sends cannot be shown right now.</p>
        : sends.length === 0 ? <p className="muted">Nothing sent yet.{campaign.type === "email" ? " Choose a template and an audience to send an email." : ""}</p> : (
          <ul className="plain send-list" aria-label="Sends">
            {sends.map((s) => (
              <li key={s.id}>
                <Link to={`/campaigns/${campaign.id}/sends/${s.id}`}>{when(s.scheduled_at ?? s.created_at)}</Link>{" "}
                <span className={`badge snd-${s.status}`}>{label(s.status)}</span>{" "}
                <span className="muted">{plural(sendTotal(s), "recipient")}{s.counts?.sent !== undefined && <> · {s.counts.sent.toLocaleString()} sent</>}</span>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

/** A paged list read by the panel itself; `reload` reads it again from the start. */
function usePaged<T>(path: string, reload: number): { items: T[]; more: (() => void) | null; error: unknown } {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<T>>(path, { limit: 20, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, reload]);
  return { items, more: cursor ? () => load(cursor) : null, error };
}

function AddMembers({ campaign, onAdded }: { campaign: Campaign; onAdded: (message: string) => void }) {
  const [segments, setSegments] = useState<Segment[]>([]);
  const [lists, setLists] = useState<StaticList[]>([]);
  const [source, setSource] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    loadSegments(controller.signal).then(setSegments).catch(() => undefined);
    loadLists(controller.signal).then(setLists).catch(() => undefined);
    return () => controller.abort();
  }, []);
  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (!source) {
      setError(new Error("Choose a segment or a static list whose people to add."));
      return;
    }
    const [kind, id] = source.split(":");
    setBusy(true);
    try {
      const answer = await post<{ added: number; already: number; members: number }>(
        `/campaigns/${campaign.id}/members`, kind === "segment" ? { segment_id: id } : { list_id: id });
      onAdded(`${plural(answer.added, "new member")} added${answer.already ? ` (${answer.already.toLocaleString()} already were)` : ""}; ${plural(answer.members, "member")} now.`);
      setSource("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const options = [
    ...segments.map((s) => ({ value: `segment:${s.id}`, label: `Segment: ${s.name}` })),
    ...lists.map((l) => ({ value: `list:${l.id}`, label: `List: ${l.name}` })),
  ];
  return (
    <form onSubmit={add} className="toolbar" aria-label="Add members">
      <SelectField label="Add the people of" options={options} placeholder="Choose a segment or list" value={source}
        onChange={(e) => setSource(e.target.value)} />
      <button type="submit" disabled={busy}>Add members</button>
      <FormAlert error={error} />
    </form>
  );
}

function Members({ campaign, writable }: { campaign: Campaign; writable: boolean }) {
  const [reload, setReload] = useState(0);
  const [message, setMessage] = useState<string>();
  const { items, more, error } = usePaged<Member>(`/campaigns/${campaign.id}/members`, reload);
  const open = campaign.status === "planned" || campaign.status === "active";
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {writable && open && <AddMembers campaign={campaign} onAdded={(m) => { setMessage(m); setReload((n) => n + 1); }} />}
      {message && <p role="status" className="alert ok">{message}</p>}
      <FormAlert error={error} />
      {items.length === 0 && !error ? <p className="muted">Nobody is targeted yet. Add a segment's or a list's people, or send an email to an audience.</p> : (
        <div className="table-wrap">
          <table className="list" aria-label="Members">
            <thead><tr><th scope="col">Person</th><th scope="col">Email</th><th scope="col">Stage</th><th scope="col">Added</th></tr></thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.person_id}>
                  <td data-label="Person">{personName(m)}</td>
                  <td data-label="Email">{m.email ?? "—"}</td>
                  <td data-label="Stage"><span className={`badge stage-${m.stage}`}>{label(m.stage)}</span></td>
                  <td data-label="Added">{when(m.added_at)}{m.source ? ` · ${label(m.source)}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && <button type="button" className="secondary" onClick={more}>Show more members</button>}
    </section>
  );
}

interface CostValues {
  incurred_on: string;
  amount: string;
  category: string;
  note: string;
}

const COST_CATEGORIES = ["media", "production", "venue", "agency", "tools", "staff", "travel", "other"];

function Costs({ campaign, writable, changed }: { campaign: Campaign; writable: boolean; changed: () => void }) {
  const [reload, setReload] = useState(0);
  const [items, setItems] = useState<Cost[]>([]);
  const [error, setError] = useState<unknown>();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError: setFieldError, reset, formState } = useForm<CostValues>({
    defaultValues: { incurred_on: new Date().toISOString().slice(0, 10), amount: "", category: "media", note: "" },
  });
  useEffect(() => {
    const controller = new AbortController();
    get<{ items: Cost[] }>(`/campaigns/${campaign.id}/costs`, undefined, controller.signal)
      .then((answer) => { setItems(answer.items); setError(undefined); })
      .catch((e) => { if (!controller.signal.aborted) setError(e); });
    return () => controller.abort();
  }, [campaign.id, reload]);
  const add = async (v: CostValues) => {
    setGeneral([]);
    try {
      await post(`/campaigns/${campaign.id}/costs`, {
        incurred_on: v.incurred_on, amount: v.amount.trim(), category: v.category, note: v.note.trim() || undefined,
      });
      reset({ ...v, amount: "", note: "" });
      setReload((n) => n + 1);
      changed();
    } catch (e) {
      setGeneral(applyProblem(e, setFieldError, ["incurred_on", "amount", "category", "note"]));
    }
  };
  const remove = async (cost: Cost) => {
    try {
      await del(`/campaigns/${campaign.id}/costs/${cost.id}`);
      setReload((n) => n + 1);
      changed();
    } catch (e) {
      setError(e);
    }
  };
  const editable = writable && campaign.status !== "completed" && campaign.status !== "aborted";
  const errors = formState.errors;
  return (
    <section className="panel" aria-labelledby="costs-heading">
      <h2 id="costs-heading">Costs</h2>
      <FormAlert error={error} />
      {items.length === 0 && !error ? <p className="muted">No cost recorded. ROI needs the campaign's costs.</p> : (
        <ul className="plain cost-list" aria-label="Costs">
          {items.map((cost) => (
            <li key={cost.id}>
              <strong>{money(cost.amount, campaign.currency)}</strong> · {day(cost.incurred_on)}
              {cost.category && <> · {label(cost.category)}</>}{cost.note && <> · {cost.note}</>}
              {editable && (
                <button type="button" className="link" onClick={() => remove(cost)}
                  aria-label={`Delete the cost of ${money(cost.amount, campaign.currency)} on ${day(cost.incurred_on)}`}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <form onSubmit={handleSubmit(add)} noValidate aria-label="Add a cost" className="cost-form">
          <div className="form-grid">
            <TextField label="Amount" inputMode="decimal" error={errors.amount?.message}
              hint={`In ${campaign.currency}, e.g. 250.00.`}
              {...register("amount", { validate: (v) => /^\d+(\.\d{1,2})?$/.test(v.trim()) || "An amount like 250 or 250.50." })} />
            <TextField label="Date" type="date" error={errors.incurred_on?.message}
              {...register("incurred_on", { required: "The day the cost was incurred." })} />
            <SelectField label="Category" options={COST_CATEGORIES.map((c) => ({ value: c, label: label(c) }))}
              error={errors.category?.message} {...register("category")} />
            <TextField label="Note" error={errors.note?.message} {...register("note")} />
          </div>
          <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
          <div className="actions"><button type="submit" disabled={formState.isSubmitting}>Add cost</button></div>
        </form>
      )}
    </section>
  );
}

interface ResponseValues {
  kind: string;
  email: string;
  first_name: string;
  last_name: string;
  company: string;
}

function Responses({ campaign, writable, changed }: { campaign: Campaign; writable: boolean; changed: () => void }) {
  const [reload, setReload] = useState(0);
  const { items, more, error } = usePaged<CampaignResponse>(`/campaigns/${campaign.id}/responses`, reload);
  const [open, setOpen] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<ResponseValues>({
    defaultValues: { kind: "attended", email: "", first_name: "", last_name: "", company: "" },
  });
  const record = async (v: ResponseValues) => {
    setGeneral([]);
    try {
      await post(`/campaigns/${campaign.id}/responses`, {
        kind: v.kind, email: v.email.trim(), first_name: v.first_name.trim() || undefined,
        last_name: v.last_name.trim() || undefined, company: v.company.trim() || undefined,
      });
      reset();
      setOpen(false);
      setReload((n) => n + 1);
      changed();
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["kind", "email", "first_name", "last_name", "company"]));
    }
  };
  const errors = formState.errors;
  return (
    <section className="panel" aria-labelledby="responses-heading">
      <h2 id="responses-heading">Responses</h2>
      {writable && !open && (
        <div className="actions"><button type="button" className="secondary" onClick={() => setOpen(true)}>Record a response</button></div>
      )}
      {writable && open && (
        <form onSubmit={handleSubmit(record)} noValidate aria-label="Record a response">
          <p className="muted">Someone unknown becomes a lead from this campaign; a known person's response is credited to them.</p>
          <div className="form-grid">
            <SelectField label="Kind" options={RESPONSE_KINDS.map((k) => ({ value: k, label: label(k) }))} error={errors.kind?.message} {...register("kind")} />
            <TextField label="Email" type="email" autoFocus error={errors.email?.message}
              {...register("email", { validate: (v) => /.+@.+\..+/.test(v.trim()) || "The person's email address, e.g. ada@example.com." })} />
            <TextField label="First name" error={errors.first_name?.message} {...register("first_name")} />
            <TextField label="Last name" error={errors.last_name?.message} {...register("last_name")} />
            <TextField label="Company" error={errors.company?.message} {...register("company")} />
          </div>
          <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
          <div className="actions">
            <button type="submit" disabled={formState.isSubmitting}>Save response</button>
            <button type="button" className="secondary" onClick={() => setOpen(false)}>Cancel</button>
          </div>
        </form>
      )}
      <FormAlert error={error} />
      {items.length === 0 && !error ? <p className="muted">No responses yet.</p> : (
        <ol className="timeline" aria-label="Responses">
          {items.map((r) => (
            <li key={r.id}>
              <div className="meta">{when(r.at)} · {label(r.kind)}</div>
              {r.person ? <Link to={personLink(r.person)}>{personName(r)}</Link> : personName(r)}{r.company ? ` · ${r.company}` : ""}
              {r.lead_id && <> · <Link to={`/leads/${r.lead_id}`}>its lead</Link></>}
            </li>
          ))}
        </ol>
      )}
      {more && <button type="button" className="secondary" onClick={more}>Show older responses</button>}
    </section>
  );
}

export function CampaignPage() {
  const { campaign, etag, funnel, roi, sends } = useCampaign();
  const can = useCan();
  const writable = can("campaigns:write");
  const revalidator = useRevalidator();
  const location = useLocation();
  const [message, setMessage] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  useEffect(() => setMessage((location.state as { message?: string } | null)?.message), [location.key, location.state]);
  const refresh = () => revalidator.revalidate();
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{campaign.name}</h1>
          <p className="muted">
            <CampaignStatus status={campaign.status} /> · {label(campaign.type)} · owner {campaign.owner ?? "nobody"}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="funnel-heading">
            <h2 id="funnel-heading">Funnel</h2>
            {funnel ? <Funnel steps={funnel} /> : <p className="muted">The funnel cannot be shown right now.</p>}
          </section>
          <section className="panel" aria-labelledby="roi-heading">
            <h2 id="roi-heading">ROI by attribution model</h2>
            {roi ? <RoiByModel roi={roi} currency={campaign.currency} /> : <p className="muted">The ROI cannot be shown right now.</p>}
          </section>
          <Members campaign={campaign} writable={writable} />
          <Responses campaign={campaign} writable={writable} changed={refresh} />
        </div>
        <aside>
          {writable && <Actions campaign={campaign} etag={etag} done={(m) => { setMessage(m); refresh(); }} />}
          <Facts campaign={campaign} />
          <Sends campaign={campaign} sends={sends} />
          <Costs campaign={campaign} writable={writable} changed={refresh} />
        </aside>
      </div>
    </article>
  );
}
