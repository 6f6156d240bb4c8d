// /admin/support/escalation-rules: what happens on an SLA warning or breach.
// The rules in the order they are applied (every matching rule applies,
// once per clock), and a form for a new rule or the one picked (?edit=<id>):
// when (warning or breach, which clock, priorities, teams) and what (email
// the owner or the team lead, move to a team, raise the priority).
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { post, request } from "../../../lib/api";
import { CheckField } from "./CheckField";
import { applyProblem, FormAlert, SelectField, TextField } from "../../../components/forms";
import { ActionButton, problemText } from "../../orders/actions";
import { Checks } from "./SlaPolicies";
import { allOf, METRIC_LABELS, METRICS, PRIORITIES, type EscalationRule, type Team } from "./support";

interface Data {
  rules: EscalationRule[];
  teams: Team[];
}

export async function escalationLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const [rules, teams] = await Promise.all([
    allOf<EscalationRule>("/support/escalation-rules", req.signal),
    allOf<Team>("/support/teams", req.signal),
  ]);
  return { rules: rules.slice().sort((a, b) => a.position - b.position), teams };
}

function whenText(rule: EscalationRule, teamName: (id: string) => string): string {
  const parts = [
    `on a ${rule.on_event === "breach" ? "breach" : "warning"} of ${rule.metric ? METRIC_LABELS[rule.metric]?.toLowerCase() ?? rule.metric : "any clock"}`,
    rule.priorities.length ? `priority ${rule.priorities.join(" or ")}` : "",
    rule.team_ids.length ? `in ${rule.team_ids.map(teamName).join(" or ")}` : "",
  ].filter(Boolean);
  return parts.join("; ");
}

function actionsText(rule: EscalationRule, teamName: (id: string) => string): string {
  return [
    rule.notify_owner ? "email the owner" : "",
    rule.notify_team_lead ? "email the team lead" : "",
    rule.move_to_team_id ? `move to ${teamName(rule.move_to_team_id)}` : "",
    rule.raise_priority ? "raise the priority" : "",
  ].filter(Boolean).join(", ");
}

export function EscalationRules() {
  const { rules, teams } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const revalidator = useRevalidator();
  const navigate = useNavigate();
  const [order, setOrder] = useState(rules);
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => setOrder(rules), [rules]);
  const editing = params.get("edit");
  const rule = editing ? rules.find((r) => r.id === editing) ?? null : null;
  const teamName = (id: string) => teams.find((t) => t.id === id)?.name ?? "a team";

  const move = async (index: number, to: number) => {
    const next = order.slice();
    const [moved] = next.splice(index, 1);
    next.splice(to, 0, moved);
    setOrder(next);
    setMessage(undefined);
    setError(undefined);
    try {
      await request(`/support/escalation-rules/${moved.id}`, { method: "PATCH", body: { position: to + 1 }, ifMatch: `"${moved.version}"` });
      setMessage(`“${moved.name}” is now number ${to + 1}.`);
      revalidator.revalidate();
    } catch (e) {
      setOrder(rules);
      setError(e);
    }
  };

  const saved = (text: string) => {
    setMessage(text);
    navigate("/admin/support/escalation-rules", { replace: true });
    revalidator.revalidate();
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Escalation rules</h1>
          <p className="muted">On an SLA warning or breach every matching rule is applied, in this order, once per clock.</p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {error !== undefined && <p role="alert" className="alert error">{problemText(error)}</p>}
      <div className="table-wrap">
        <table className="list">
          <caption className="visually-hidden">Escalation rules in the order they are applied</caption>
          <thead>
            <tr><th scope="col" className="num">#</th><th scope="col">Rule</th><th scope="col">When</th>
              <th scope="col">Then</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {order.map((r, index) => (
              <tr key={r.id} className={r.id === editing ? "selected" : undefined}>
                <td data-label="#" className="num">{index + 1}</td>
                <td data-label="Rule">{r.name}{!r.active && <> <span className="badge">Off</span></>}</td>
                <td data-label="When">{whenText(r, teamName)}</td>
                <td data-label="Then">{actionsText(r, teamName)}</td>
                <td data-label="Actions" className="row-actions">
                  <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, index - 1)}
                    aria-label={`Move “${r.name}” up`}>↑</button>
                  <button type="button" className="secondary" disabled={index === order.length - 1}
                    onClick={() => move(index, index + 1)} aria-label={`Move “${r.name}” down`}>↓</button>
                  <Link className="button secondary" to={`?edit=${r.id}`} aria-label={`Edit “${r.name}”`}>Edit</Link>
                  <ActionButton className="secondary" work={() => request(`/support/escalation-rules/${r.id}`, { method: "DELETE" })}
                    done={() => saved(`Rule “${r.name}” deleted.`)}>
                    Delete<span className="visually-hidden"> “{r.name}”</span>
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {order.length === 0 && <p className="empty">No rule yet: warnings and breaches are only shown on the cases.</p>}
      </div>
      <EscalationForm key={rule?.id ?? "new"} rule={rule} teams={teams} onSaved={saved} />
    </section>
  );
}

interface Values {
  name: string;
  on_event: string;
  metric: string;
  priorities: string[];
  team_ids: string[];
  notify_owner: boolean;
  notify_team_lead: boolean;
  move_to_team_id: string;
  raise_priority: boolean;
  active: boolean;
}

const FIELDS = ["name", "on_event", "metric", "priorities", "team_ids", "notify_owner", "notify_team_lead",
  "move_to_team_id", "raise_priority", "active"];

function EscalationForm({ rule, teams, onSaved }: { rule: EscalationRule | null; teams: Team[]; onSaved: (message: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    defaultValues: {
      name: rule?.name ?? "", on_event: rule?.on_event ?? "breach", metric: rule?.metric ?? "",
      priorities: rule?.priorities ?? [], team_ids: rule?.team_ids ?? [], notify_owner: rule?.notify_owner ?? false,
      notify_team_lead: rule?.notify_team_lead ?? false, move_to_team_id: rule?.move_to_team_id ?? "",
      raise_priority: rule?.raise_priority ?? false, active: rule?.active ?? true,
    },
  });
  const errors = formState.errors;
  const save = async (values: Values) => {
    setGeneral([]);
    if (!values.notify_owner && !values.notify_team_lead && !values.move_to_team_id && !values.raise_priority) {
      setGeneral(["Pick at least one thing the rule does: email someone, move the case or raise its priority."]);
      return;
    }
    const body = {
      name: values.name.trim(), on_event: values.on_event, metric: values.metric || null,
      priorities: values.priorities, team_ids: values.team_ids, notify_owner: values.notify_owner,
      notify_team_lead: values.notify_team_lead, move_to_team_id: values.move_to_team_id || null,
      raise_priority: values.raise_priority, active: values.active,
    };
    try {
      if (rule) await request(`/support/escalation-rules/${rule.id}`, { method: "PATCH", body, ifMatch: `"${rule.version}"` });
      else await post("/support/escalation-rules", body);
      onSaved(rule ? `Rule “${body.name}” saved.` : `Rule “${body.name}” added as the last rule.`);
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };
  const teamOptions = teams.map((t) => ({ value: t.id, label: t.name }));
  return (
    <form onSubmit={handleSubmit(save)} noValidate className="panel" aria-label={rule ? `Edit rule ${rule.name}` : "New escalation rule"}>
      <h2>{rule ? `Edit “${rule.name}”` : "New rule"}</h2>
      <div className="form-grid">
        <TextField label="Name" error={errors.name?.message} maxLength={100}
          {...register("name", { validate: (v) => v.trim() !== "" || "Name the rule, e.g. “Breached urgent: tell the lead”." })} />
        <SelectField label="On" options={[{ value: "warning", label: "A warning" }, { value: "breach", label: "A breach" }]}
          error={errors.on_event?.message} {...register("on_event")} />
        <SelectField label="Of the clock" placeholder="Any clock" options={METRICS.map((m) => ({ value: m, label: METRIC_LABELS[m] }))}
          error={errors.metric?.message} {...register("metric")} />
      </div>
      <Checks legend="Only for priority" name="priorities" values={PRIORITIES} register={register} error={errors.priorities?.message} />
      {teams.length > 0 && (
        <fieldset className={errors.team_ids ? "checks invalid" : "checks"}>
          <legend>Only for cases of the team</legend>
          {teams.map((t) => (
            <label key={t.id} className="check-option"><input type="checkbox" value={t.id} {...register("team_ids")} /> {t.name}</label>
          ))}
          {errors.team_ids && <small className="field-error">{errors.team_ids.message}</small>}
        </fieldset>
      )}
      <fieldset className="checks">
        <legend>Then</legend>
        <label className="check-option"><input type="checkbox" {...register("notify_owner")} /> Email the case's owner</label>
        <label className="check-option"><input type="checkbox" {...register("notify_team_lead")} /> Email the team lead</label>
        <label className="check-option"><input type="checkbox" {...register("raise_priority")} /> Raise the priority one step</label>
      </fieldset>
      <SelectField label="Move the case to team" placeholder="(do not move)" options={teamOptions}
        error={errors.move_to_team_id?.message} {...register("move_to_team_id")} />
      <CheckField label="Active" error={errors.active?.message} {...register("active")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>{rule ? "Save rule" : "Add rule"}</button>
        {rule && <Link className="button secondary" to="?">Cancel</Link>}
      </div>
      <p className="muted">Emails go to the address kept with each team member.</p>
    </form>
  );
}
