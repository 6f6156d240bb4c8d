// /campaigns/:campaignId/sends/new: an email send (a template to an audience:
// a segment, a static list or the campaign's members), now or at a time; and
// /campaigns/:campaignId/sends/:sendId: its progress (read again every few
// seconds while it runs), who was mailed or not and why, and cancelling it.
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, post, request } from "../../lib/api";
import { label, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import { localToIso, type Page } from "../../components/records";
import { ActionButton } from "../orders/actions";
import { Bar } from "./Charts";
import { useCampaign } from "./CampaignPage";
import {
  loadLists, loadSegments, loadTemplates, segmentCount, sendRunning, sendTotal,
  type Recipient, type Send, type Segment, type StaticList, type Template,
} from "./campaign";
import "./campaigns.css";

interface NewSendData {
  templates: Template[];
  segments: Segment[];
  lists: StaticList[];
}

export async function newSendLoader({ request: req }: LoaderFunctionArgs): Promise<NewSendData> {
  const [templates, segments, lists] = await Promise.all([
    loadTemplates(req.signal),
    loadSegments(req.signal).catch(() => [] as Segment[]),
    loadLists(req.signal).catch(() => [] as StaticList[]),
  ]);
  return { templates, segments, lists };
}

interface Values {
  template_id: string;
  audience: string;
  when: "now" | "later";
  scheduled_at: string;
}

export function NewSend() {
  const { campaign } = useCampaign();
  const { templates, segments, lists } = useLoaderData() as NewSendData;
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, watch, formState } = useForm<Values>({
    defaultValues: { template_id: templates[0]?.id ?? "", audience: segments[0] ? `segment:${segments[0].id}` : "members", when: "now", scheduled_at: "" },
  });
  const timing = watch("when");
  const errors = formState.errors;
  const start = async (v: Values) => {
    setGeneral([]);
    const [kind, id] = v.audience.split(":");
    const body: Record<string, unknown> = { template_id: v.template_id, audience: kind === "members" ? { kind } : { kind, id } };
    if (v.when === "later") {
      const at = localToIso(v.scheduled_at);
      if (!at) {
        setError("scheduled_at", { type: "manual", message: "Pick the day and time the send should start." });
        return;
      }
      body.scheduled_at = at;
    }
    try {
      const send = await post<Send>(`/campaigns/${campaign.id}/sends`, body);
      navigate(`/campaigns/${campaign.id}/sends/${send.id}`, { replace: true });
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["template_id", "audience", "scheduled_at"]));
    }
  };
  const audiences = [
    ...segments.map((s) => {
      const n = segmentCount(s);
      return { value: `segment:${s.id}`, label: `Segment: ${s.name}${n === null ? "" : ` (${plural(n, "person", "people")})`}` };
    }),
    ...lists.map((l) => ({ value: `list:${l.id}`, label: `List: ${l.name}` })),
    { value: "members", label: "The campaign's members" },
  ];
  if (templates.length === 0) {
    return (
      <section>
        <h1>New send</h1>
        <p className="alert info">There is no email template yet. <Link to="/campaigns/templates/new">Write a template</Link> first, then come back.</p>
      </section>
    );
  }
  return (
    <section>
      <h1>New send</h1>
      <form onSubmit={handleSubmit(start)} noValidate className="panel" aria-label="New send">
        <p className="muted">
          Each recipient is checked when their email goes out: without marketing consent, suppressed, marked do-not-email or over the
          frequency cap, they are not mailed (the send's page says why). Nobody gets two emails from one send.
        </p>
        <div className="form-grid">
          <SelectField label="Template" options={templates.map((t) => ({ value: t.id, label: t.name }))} error={errors.template_id?.message}
            hint={<Link to="/campaigns/templates">Edit the templates</Link>} {...register("template_id", { required: "Choose the email to send." })} />
          <SelectField label="Audience" options={audiences} error={errors.audience?.message}
            hint="Who is in it is fixed when the send starts." {...register("audience")} />
          <SelectField label="When" options={[{ value: "now", label: "Now" }, { value: "later", label: "At a time" }]} {...register("when")} />
          {timing === "later" && <TextField label="Start at" type="datetime-local" error={errors.scheduled_at?.message} {...register("scheduled_at")} />}
        </div>
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Starting…" : timing === "later" ? "Schedule the send" : "Start the send"}</button>
          <Link className="button secondary" to={`/campaigns/${campaign.id}`}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}

interface SendData {
  send: Send;
  recipients: Page<Recipient> | null;
}

export async function sendLoader({ params, request: req }: LoaderFunctionArgs): Promise<SendData> {
  const url = new URL(req.url);
  const [send, recipients] = await Promise.all([
    get<Send>(`/campaigns/sends/${params.sendId}`, undefined, req.signal),
    get<Page<Recipient>>(`/campaigns/sends/${params.sendId}/recipients`,
      { limit: 50, cursor: url.searchParams.get("cursor") ?? undefined, status: url.searchParams.get("status") ?? undefined }, req.signal)
      .catch(() => null),
  ]);
  return { send, recipients };
}

const STATUS_ORDER = ["queued", "sending", "sent", "suppressed", "bounced", "failed", "unknown", "cancelled"];

export function SendPage() {
  const { campaign } = useCampaign();
  const { send, recipients } = useLoaderData() as SendData;
  const can = useCan();
  const revalidator = useRevalidator();
  const running = sendRunning(send);
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => window.clearInterval(timer);
  }, [running, revalidator]);
  const total = sendTotal(send);
  const counts = send.counts ?? {};
  const statuses = [...STATUS_ORDER.filter((s) => s in counts), ...Object.keys(counts).filter((s) => !STATUS_ORDER.includes(s))];
  const done = (counts.sent ?? 0) + (counts.suppressed ?? 0) + (counts.bounced ?? 0) + (counts.failed ?? 0) + (counts.unknown ?? 0) + (counts.cancelled ?? 0);
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>Send of {when(send.scheduled_at ?? send.created_at)}</h1>
          <p className="muted">
            <span className={`badge snd-${send.status}`}>{label(send.status)}</span> · {plural(total, "recipient")}
            {send.created_by && <> · started by {send.created_by}</>}{send.cancelled_by && <> · cancelled by {send.cancelled_by}</>} · <Link to={`/campaigns/${campaign.id}`}>back to {campaign.name}</Link>
          </p>
        </div>
        {can("campaigns:write") && running && (
          <div className="actions">
            <ActionButton className="danger" work={() => request(`/campaigns/sends/${send.id}/cancel`, { method: "POST" })}
              done={() => revalidator.revalidate()}>
              Cancel the send
            </ActionButton>
          </div>
        )}
      </div>
      <section className="panel" aria-labelledby="progress-heading">
        <h2 id="progress-heading">Progress</h2>
        <p role="status" aria-live="polite" className="send-progress">
          {running ? `${done.toLocaleString()} of ${total.toLocaleString()} handled…` : `${done.toLocaleString()} of ${total.toLocaleString()} handled.`}
        </p>
        <Bar fraction={total ? done / total : 0} tone="ok" />
        <dl className="facts send-counts" aria-label="Recipients by status">
          {statuses.map((s) => (
            <div key={s} className="fact"><dt>{label(s)}</dt><dd data-status={s}>{(counts[s] ?? 0).toLocaleString()}</dd></div>
          ))}
        </dl>
      </section>
      <section className="panel" aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">Recipients</h2>
        {recipients === null ? <p className="muted">The recipients cannot be shown right now.</p>
          : recipients.items.length === 0 ? <p className="muted">No recipients{running ? " yet" : ""}.</p> : (
            <div className="table-wrap">
              <table className="list" aria-label="Recipients">
                <thead><tr><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Why not sent</th><th scope="col">When</th></tr></thead>
                <tbody>
                  {recipients.items.map((r) => (
                    <tr key={r.id}>
                      <td data-label="Email">{r.email ?? "(no address)"}</td>
                      <td data-label="Status"><span className={`badge snd-${r.status}`}>{label(r.status)}</span></td>
                      <td data-label="Why not sent">{r.reason ? label(r.reason) : r.last_error ?? "—"}</td>
                      <td data-label="When">{when(r.sent_at ?? r.bounced_at ?? r.decided_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        {recipients?.next_cursor && (
          <nav aria-label="Pages" className="pager"><Link to={`?cursor=${encodeURIComponent(recipients.next_cursor)}`} rel="next">Next page</Link></nav>
        )}
      </section>
    </article>
  );
}
