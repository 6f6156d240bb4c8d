// /admin/support/routing-rules: which team a new case goes to. The rules in
// the order they are tried (moved up and down), a form for a new rule or the
// one picked (?edit=<id>), and "Test a case": which rule and team would take
// a case with this subject, channel, account type and tags.
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { post, request } from "../../../lib/api";
import { label } from "../../../lib/format";
import { CheckField } from "./CheckField";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../../components/forms";
import { ActionButton, problemText } from "../../orders/actions";
import { Checks } from "./SlaPolicies";
import { allOf, CHANNELS, listText, textList, type RoutingRule, type Team } from "./support";

// The sales service's account types (shared/schemas/sales/accounts.py ACCOUNT_TYPES).
export const ACCOUNT_TYPES = ["prospect", "customer", "partner", "reseller", "competitor"] as const;

interface Data {
  rules: RoutingRule[];
  teams: Team[];
}

export async function routingLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const [rules, teams] = await Promise.all([
    allOf<RoutingRule>("/support/routing-rules", req.signal),
    allOf<Team>("/support/teams", req.signal),
  ]);
  return { rules: rules.slice().sort((a, b) => a.position - b.position), teams };
}

function conditions(rule: RoutingRule): string {
  const parts = [
    rule.channels.length ? `channel ${rule.channels.join(" or ")}` : "",
    rule.account_types.length ? `account type ${rule.account_types.join(" or ")}` : "",
    rule.tags.length ? `tagged ${rule.tags.join(" or ")}` : "",
    rule.keywords.length ? `mentions ${rule.keywords.map((k) => `“${k}”`).join(" or ")}` : "",
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "every case";
}

export function RoutingRules() {
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
  const defaultTeam = teams.find((t) => t.is_default);

  const move = async (index: number, to: number) => {
    const next = order.slice();
    const [moved] = next.splice(index, 1);
    next.splice(to, 0, moved);
    setOrder(next);
    setMessage(undefined);
    setError(undefined);
    try {
      await post("/support/routing-rules/order", { ids: next.map((r) => r.id) });
      setMessage(`“${moved.name}” is now number ${to + 1}.`);
      revalidator.revalidate();
    } catch (e) {
      setOrder(rules);
      setError(e);
    }
  };

  const saved = (text: string) => {
    setMessage(text);
    navigate("/admin/support/routing-rules", { replace: true });
    revalidator.revalidate();
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Routing rules</h1>
          <p className="muted">
            A new case goes to the team of the first rule it matches, in this order;
            {defaultTeam ? <> when none does, to the default team, <strong>{defaultTeam.name}</strong>.</> : " when none does, it has no team (mark a team as the default)."}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {error !== undefined && <p role="alert" className="alert error">{problemText(error)}</p>}
      <div className="table-wrap">
        <table className="list">
          <caption className="visually-hidden">Routing rules in the order they are tried</caption>
          <thead>
            <tr><th scope="col" className="num">#</th><th scope="col">Rule</th><th scope="col">When the case</th>
              <th scope="col">Goes to</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {order.map((r, index) => (
              <tr key={r.id} className={r.id === editing ? "selected" : undefined}>
                <td data-label="#" className="num">{index + 1}</td>
                <td data-label="Rule">{r.name}{!r.active && <> <span className="badge">Off</span></>}</td>
                <td data-label="When the case">{conditions(r)}</td>
                <td data-label="Goes to">{r.team_name ?? teams.find((t) => t.id === r.team_id)?.name ?? "—"}</td>
                <td data-label="Actions" className="row-actions">
                  <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, index - 1)}
                    aria-label={`Move “${r.name}” up`}>↑</button>
                  <button type="button" className="secondary" disabled={index === order.length - 1}
                    onClick={() => move(index, index + 1)} aria-label={`Move “${r.name}” down`}>↓</button>
                  <Link className="button secondary" to={`?edit=${r.id}`} aria-label={`Edit “${r.name}”`}>Edit</Link>
                  <ActionButton className="secondary" work={() => request(`/support/routing-rules/${r.id}`, { method: "DELETE" })}
                    done={() => saved(`Rule “${r.name}” deleted.`)}>
                    Delete<span className="visually-hidden"> “{r.name}”</span>
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {order.length === 0 && (
          <p className="empty">No rule yet: {defaultTeam ? `every case goes to ${defaultTeam.name}, the default team.` : "new cases get no team until one is marked the default or a rule is added."}</p>
        )}
      </div>
      <div className="grid-2">
        <RuleForm key={rule?.id ?? "new"} rule={rule} teams={teams} onSaved={saved} />
        <RoutingTest />
      </div>
    </section>
  );
}

interface Values {
  name: string;
  team_id: string;
  channels: string[];
  account_types: string[];
  tags: string;
  keywords: string;
  active: boolean;
}

const FIELDS = ["name", "team_id", "channels", "account_types", "tags", "keywords", "active"];

function RuleForm({ rule, teams, onSaved }: { rule: RoutingRule | null; teams: Team[]; onSaved: (message: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    defaultValues: {
      name: rule?.name ?? "", team_id: rule?.team_id ?? "", channels: rule?.channels ?? [],
      account_types: rule?.account_types ?? [], tags: listText(rule?.tags), keywords: listText(rule?.keywords),
      active: rule?.active ?? true,
    },
  });
  const errors = formState.errors;
  const save = async (values: Values) => {
    setGeneral([]);
    const body = {
      name: values.name.trim(), team_id: values.team_id || null, channels: values.channels,
      account_types: values.account_types, tags: textList(values.tags), keywords: textList(values.keywords),
      active: values.active,
    };
    try {
      if (rule) await request(`/support/routing-rules/${rule.id}`, { method: "PATCH", body, ifMatch: `"${rule.version}"` });
      else await post("/support/routing-rules", body);
      onSaved(rule ? `Rule “${body.name}” saved.` : `Rule “${body.name}” added as the last rule.`);
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };
  return (
    <form onSubmit={handleSubmit(save)} noValidate className="panel" aria-label={rule ? `Edit rule ${rule.name}` : "New routing rule"}>
      <h2>{rule ? `Edit “${rule.name}”` : "New rule"}</h2>
      <TextField label="Name" error={errors.name?.message} maxLength={100}
        {...register("name", { validate: (v) => v.trim() !== "" || "Name the rule, e.g. “Invoices to Billing”." })} />
      <SelectField label="Send to team" placeholder="(pick a team)" error={errors.team_id?.message}
        options={teams.map((t) => ({ value: t.id, label: t.active ? t.name : `${t.name} (inactive)` }))}
        {...register("team_id", { required: "Pick the team the matching cases go to." })} />
      <p className="muted">Conditions: a case must meet each one that is set; within one, any value matches.</p>
      <Checks legend="Channel" name="channels" values={CHANNELS} register={register} error={errors.channels?.message} />
      <Checks legend="Account type" name="account_types" values={ACCOUNT_TYPES} register={register} error={errors.account_types?.message} />
      <TextField label="Tags" hint="Separated by commas; the case has one of them." error={errors.tags?.message} {...register("tags")} />
      <TextField label="Keywords" hint="Words or phrases separated by commas, found as whole words in the subject or description."
        error={errors.keywords?.message} {...register("keywords")} />
      <CheckField label="Active" error={errors.active?.message} {...register("active")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>{rule ? "Save rule" : "Add rule"}</button>
        {rule && <Link className="button secondary" to="?">Cancel</Link>}
      </div>
    </form>
  );
}

interface Preview {
  rule: { id: string; name: string; position: number } | null;
  team: { id: string; name: string; assignment_method: string } | null;
  by_default: boolean;
  owner_id: string | null;
}

interface TestValues {
  subject: string;
  description: string;
  channel: string;
  account_type: string;
  tags: string;
}

function RoutingTest() {
  const [answer, setAnswer] = useState<Preview | null>(null);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<TestValues>({
    defaultValues: { subject: "", description: "", channel: "", account_type: "", tags: "" },
  });
  const errors = formState.errors;
  const run = async (values: TestValues) => {
    setGeneral([]);
    setAnswer(null);
    try {
      setAnswer(await post<Preview>("/support/routing-rules/preview", {
        subject: values.subject.trim() || null, description: values.description.trim() || null,
        channel: values.channel || null, account_type: values.account_type || null, tags: textList(values.tags),
      }));
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["subject", "description", "channel", "account_type", "tags"]));
    }
  };
  return (
    <form onSubmit={handleSubmit(run)} noValidate className="panel" aria-label="Test a case">
      <h2>Test a case</h2>
      <p className="muted">Which rule and team would take a new case like this (nothing is saved).</p>
      <TextField label="Subject" error={errors.subject?.message} {...register("subject")} />
      <TextArea label="Description" rows={2} error={errors.description?.message} {...register("description")} />
      <SelectField label="Channel" placeholder="(any)" options={CHANNELS.map((c) => ({ value: c, label: label(c) }))}
        error={errors.channel?.message} {...register("channel")} />
      <SelectField label="Account type" placeholder="(none)" options={ACCOUNT_TYPES.map((t) => ({ value: t, label: label(t) }))}
        error={errors.account_type?.message} {...register("account_type")} />
      <TextField label="Tags" hint="Separated by commas." error={errors.tags?.message} {...register("tags")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions"><button type="submit" className="secondary" disabled={formState.isSubmitting}>Test</button></div>
      {answer && (
        <p role="status" className="alert info routing-answer">
          {answer.team
            ? <>Goes to <strong>{answer.team.name}</strong>{answer.rule ? <> by rule {answer.rule.position}, “{answer.rule.name}”</> : " (the default team: no rule matches)"}
              {answer.team.assignment_method === "manual" ? "; nobody owns it until someone takes it." : answer.owner_id ? "; a member would own it now." : "; no member is available to own it."}</>
            : "No rule matches and there is no default team: the case would have no team."}
        </p>
      )}
    </form>
  );
}
