// /admin/support/sla-policies: the SLA policies in the order they are tried
// (the first whose conditions a case meets is its policy), moved up and
// down; /new and /:policyId: a policy's conditions, calendar, targets in
// business hours and minutes, and the share of a target that warns.
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { getWithEtag, post, request } from "../../../lib/api";
import { label } from "../../../lib/format";
import { CheckField } from "./CheckField";
import { applyProblem, FormAlert, SelectField, TextField } from "../../../components/forms";
import { problemText } from "../../orders/actions";
import { LeaveGuard } from "../rules";
import {
  allOf, CHANNELS, conditionsOf, duration, listText, METRIC_LABELS, METRICS, PRIORITIES, splitMinutes, textList,
  toMinutes, type Calendar, type SlaPolicy,
} from "./support";

interface ListData {
  policies: SlaPolicy[];
  calendars: Calendar[];
}

export async function policiesLoader({ request: req }: LoaderFunctionArgs): Promise<ListData> {
  const [policies, calendars] = await Promise.all([
    allOf<SlaPolicy>("/support/sla-policies", req.signal),
    allOf<Calendar>("/support/calendars", req.signal).catch(() => [] as Calendar[]),
  ]);
  return { policies: policies.slice().sort((a, b) => a.position - b.position), calendars };
}

function conditionText(policy: SlaPolicy): string {
  const c = conditionsOf(policy);
  const parts = [
    c.priorities.length ? `priority ${c.priorities.join(" or ")}` : "",
    c.channels.length ? `channel ${c.channels.join(" or ")}` : "",
    c.account_types.length ? `account type ${c.account_types.join(" or ")}` : "",
    c.account_tiers.length ? `tier ${c.account_tiers.join(" or ")}` : "",
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "every case";
}

export function SlaPolicyList() {
  const { policies, calendars } = useLoaderData() as ListData;
  const revalidator = useRevalidator();
  const [order, setOrder] = useState(policies);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  useEffect(() => setOrder(policies), [policies]);
  const calendarName = (p: SlaPolicy) => p.calendar_name ?? calendars.find((c) => c.id === p.calendar_id)?.name ?? "—";

  const move = async (index: number, to: number) => {
    const next = order.slice();
    const [moved] = next.splice(index, 1);
    next.splice(to, 0, moved);
    setOrder(next);
    setError(undefined);
    setMessage(undefined);
    try {
      await request("/support/sla-policies/order", { method: "PUT", body: { policy_ids: next.map((p) => p.id) } });
      setMessage(`“${moved.name}” is now number ${to + 1}.`);
      revalidator.revalidate();
    } catch (e) {
      setOrder(policies);
      setError(e);
    }
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>SLA policies</h1>
          <p className="muted">A new case gets the first policy whose conditions it meets, in this order. Targets count business time in the policy's calendar.</p>
        </div>
        <div className="actions"><Link className="button" to="/admin/support/sla-policies/new">New policy</Link></div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {error !== undefined && <p role="alert" className="alert error">{problemText(error)}</p>}
      <div className="table-wrap">
        <table className="list">
          <caption className="visually-hidden">SLA policies in the order they are tried</caption>
          <thead>
            <tr>
              <th scope="col" className="num">#</th>
              <th scope="col">Policy</th>
              <th scope="col">Applies to</th>
              {METRICS.map((m) => <th scope="col" key={m}>{METRIC_LABELS[m]}</th>)}
              <th scope="col">Warn at</th>
              <th scope="col">Calendar</th>
              <th scope="col"><span className="visually-hidden">Order</span></th>
            </tr>
          </thead>
          <tbody>
            {order.map((p, index) => (
              <tr key={p.id}>
                <td data-label="#" className="num">{index + 1}</td>
                <td data-label="Policy">
                  <Link to={`/admin/support/sla-policies/${p.id}`}>{p.name}</Link>
                  {!p.active && <> <span className="badge">Off</span></>}
                </td>
                <td data-label="Applies to">{conditionText(p)}</td>
                {METRICS.map((m) => <td key={m} data-label={METRIC_LABELS[m]}>{duration(p[`${m}_minutes`])}</td>)}
                <td data-label="Warn at">{p.warn_percent} %</td>
                <td data-label="Calendar">{calendarName(p)}</td>
                <td data-label="Order" className="row-actions">
                  <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, index - 1)}
                    aria-label={`Move “${p.name}” up`}>↑</button>
                  <button type="button" className="secondary" disabled={index === order.length - 1}
                    onClick={() => move(index, index + 1)} aria-label={`Move “${p.name}” down`}>↓</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {order.length === 0 && <p className="empty">No policy yet: cases have no SLA targets. <Link to="/admin/support/sla-policies/new">Make the first one</Link>.</p>}
      </div>
    </section>
  );
}

interface PolicyData {
  policy: SlaPolicy | null;
  etag?: string;
  calendars: Calendar[];
}

export async function policyLoader({ params, request: req }: LoaderFunctionArgs): Promise<PolicyData> {
  const calendars = await allOf<Calendar>("/support/calendars", req.signal);
  if (!params.policyId) return { policy: null, calendars };
  const answer = await getWithEtag<SlaPolicy>(`/support/sla-policies/${params.policyId}`, req.signal);
  return { policy: answer.data, etag: answer.etag, calendars };
}

interface Values {
  name: string;
  calendar_id: string;
  priorities: string[];
  channels: string[];
  account_types: string;
  account_tiers: string;
  first_response_h: string;
  first_response_m: string;
  next_response_h: string;
  next_response_m: string;
  resolution_h: string;
  resolution_m: string;
  warn_percent: string;
  active: boolean;
}

const FORM_FIELDS = ["name", "calendar_id", "priorities", "channels", "account_types", "account_tiers",
  "first_response_h", "next_response_h", "resolution_h", "warn_percent", "active"];
// The API's field names -> the form's (a target's error shows at its hours).
const API_FIELDS: Record<string, string> = {
  first_response_minutes: "first_response_h", next_response_minutes: "next_response_h", resolution_minutes: "resolution_h",
  "conditions.priorities": "priorities", "conditions.channels": "channels", "conditions.account_types": "account_types",
  "conditions.account_tiers": "account_tiers",
};

function toValues(policy: SlaPolicy | null, calendars: Calendar[]): Values {
  const c = policy ? conditionsOf(policy) : { priorities: [], channels: [], account_types: [], account_tiers: [] };
  const t = (m: (typeof METRICS)[number]) => splitMinutes(policy ? policy[`${m}_minutes`] : null);
  return {
    name: policy?.name ?? "",
    calendar_id: policy?.calendar_id ?? (calendars.find((cal) => cal.is_default) ?? calendars[0])?.id ?? "",
    priorities: c.priorities, channels: c.channels,
    account_types: listText(c.account_types), account_tiers: listText(c.account_tiers),
    first_response_h: t("first_response").hours, first_response_m: t("first_response").minutes,
    next_response_h: t("next_response").hours, next_response_m: t("next_response").minutes,
    resolution_h: t("resolution").hours, resolution_m: t("resolution").minutes,
    warn_percent: String(policy?.warn_percent ?? 80),
    active: policy?.active ?? true,
  };
}

export function SlaPolicyPage() {
  const { policy, etag, calendars } = useLoaderData() as PolicyData;
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const [done, setDone] = useState<string>();
  const { register, handleSubmit, setError, formState } = useForm<Values>({ defaultValues: toValues(policy, calendars) });
  const errors = formState.errors;
  useEffect(() => {
    if (done) navigate("/admin/support/sla-policies");
  }, [done, navigate]);

  const save = async (values: Values) => {
    setGeneral([]);
    let bad = false;
    const targets: Record<string, number | null> = {};
    for (const m of METRICS) {
      const minutes = toMinutes(values[`${m}_h`], values[`${m}_m`]);
      if (Number.isNaN(minutes)) {
        setError(`${m}_h`, { type: "client", message: "Whole hours and minutes, e.g. 4 h 30 min." });
        bad = true;
      }
      targets[`${m}_minutes`] = minutes;
    }
    if (bad) return;
    const body = {
      name: values.name.trim(),
      calendar_id: values.calendar_id,
      priorities: values.priorities, channels: values.channels,
      account_types: textList(values.account_types), account_tiers: textList(values.account_tiers),
      ...targets,
      warn_percent: /^\d+$/.test(values.warn_percent.trim()) ? Number(values.warn_percent) : values.warn_percent,
      active: values.active,
    };
    try {
      if (policy) await request(`/support/sla-policies/${policy.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${policy.version}"` });
      else await post("/support/sla-policies", body);
      setDone("saved");
    } catch (e) {
      setGeneral(applyProblem(e, setError, FORM_FIELDS, API_FIELDS));
    }
  };

  const remove = async () => {
    if (!policy) return;
    setGeneral([]);
    try {
      await request(`/support/sla-policies/${policy.id}`, { method: "DELETE", ifMatch: etag ?? `"${policy.version}"` });
      setDone("deleted");
    } catch (e) {
      setGeneral([problemText(e)]);
    }
  };

  return (
    <section>
      <h1>{policy ? policy.name : "New SLA policy"}</h1>
      <LeaveGuard dirty={formState.isDirty && !done && !formState.isSubmitting} what="the policy" />
      {calendars.length === 0 && (
        <p className="alert warn">A policy counts time in a calendar: <Link to="/admin/support/calendars/new">make a calendar</Link> first.</p>
      )}
      <form onSubmit={handleSubmit(save)} noValidate aria-label="SLA policy">
        <div className="form-grid">
          <TextField label="Name" error={errors.name?.message} maxLength={100} autoFocus={!policy}
            {...register("name", { validate: (v) => v.trim() !== "" || "Name the policy, e.g. “Urgent, business hours”." })} />
          <SelectField label="Calendar" error={errors.calendar_id?.message} placeholder="(pick a calendar)"
            options={calendars.map((c) => ({ value: c.id, label: `${c.name} (${c.time_zone})` }))}
            hint="Targets count only the business hours of this calendar."
            {...register("calendar_id", { required: "Pick the calendar whose business hours the targets count." })} />
        </div>
        <fieldset className="panel">
          <legend>Applies to cases with</legend>
          <p className="muted">Leave a condition empty to match any value. A case must meet every condition that is set.</p>
          <Checks legend="Priority" name="priorities" values={PRIORITIES} register={register} error={errors.priorities?.message} />
          <Checks legend="Channel" name="channels" values={CHANNELS} register={register} error={errors.channels?.message} />
          <div className="form-grid">
            <TextField label="Account types" error={errors.account_types?.message} hint="Separated by commas, e.g. customer, partner."
              {...register("account_types")} />
            <TextField label="Account tiers" error={errors.account_tiers?.message} hint="Separated by commas, e.g. gold, platinum."
              {...register("account_tiers")} />
          </div>
        </fieldset>
        <fieldset className="panel">
          <legend>Targets in business time</legend>
          <p className="muted">Empty: no target for that clock. Time stops while a case is pending or on hold.</p>
          {METRICS.map((m) => (
            <div key={m} className="toolbar target-row">
              <TextField label={`${METRIC_LABELS[m]}: hours`} inputMode="numeric" error={errors[`${m}_h`]?.message}
                className="short" {...register(`${m}_h`)} />
              <TextField label={`${METRIC_LABELS[m]}: minutes`} inputMode="numeric" className="short" {...register(`${m}_m`)} />
            </div>
          ))}
          <TextField label="Warn at (% of the target)" inputMode="numeric" error={errors.warn_percent?.message}
            hint="A warning goes out when this share of a target is used, e.g. 80." className="short"
            {...register("warn_percent")} />
        </fieldset>
        <CheckField label="Active" hint="An inactive policy is skipped when a case's policy is chosen." error={errors.active?.message} {...register("active")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{policy ? "Save policy" : "Create policy"}</button>
          <Link className="button secondary" to="/admin/support/sla-policies">Cancel</Link>
          {policy && <button type="button" className="danger" onClick={remove}>Delete policy</button>}
        </div>
      </form>
    </section>
  );
}

/** A set of checkboxes of one list field (priorities, channels), as one group with its error. */
export function Checks({ legend, name, values, register, error }: {
  legend: string;
  name: string;
  values: readonly string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  register: (name: any) => any;
  error?: string;
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset className={error ? "checks invalid" : "checks"} aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={v} className="check-option"><input type="checkbox" value={v} {...register(name)} /> {label(v)}</label>
      ))}
      {error && <small id={errorId} className="field-error">{error}</small>}
    </fieldset>
  );
}

