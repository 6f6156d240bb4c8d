// /admin/support/teams: the support teams; /new and /:teamId: a team's name,
// how its new cases get an owner (round robin, fewest open, manual), its
// lead, satisfaction surveys with NPS or not, and its members (added from the
// suite's users, available for new cases or away).
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, post, request } from "../../../lib/api";
import { label } from "../../../lib/format";
import { CheckField } from "./CheckField";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../../components/forms";
import type { Page } from "../../../components/records";
import { ActionButton, problemText } from "../../orders/actions";
import { LeaveGuard } from "../rules";
import type { AdminUser } from "../users";
import { allOf, ASSIGNMENT_METHODS, type Team } from "./support";

export async function teamsLoader({ request: req }: LoaderFunctionArgs): Promise<Team[]> {
  return allOf<Team>("/support/teams", req.signal);
}

const METHOD_LABEL = Object.fromEntries(ASSIGNMENT_METHODS.map((m) => [m.value, m.label]));

export function TeamList() {
  const teams = useLoaderData() as Team[];
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Teams</h1>
          <p className="muted">Routing rules send a new case to a team; the team gives it an owner among its available members.</p>
        </div>
        <div className="actions"><Link className="button" to="/admin/support/teams/new">New team</Link></div>
      </div>
      <div className="table-wrap">
        <table className="list">
          <caption className="visually-hidden">Teams</caption>
          <thead>
            <tr><th scope="col">Team</th><th scope="col">Owner of new cases</th><th scope="col">Lead</th>
              <th scope="col" className="num">Members</th><th scope="col">NPS</th></tr>
          </thead>
          <tbody>
            {teams.map((t) => {
              const lead = t.members?.find((m) => m.user_id === t.lead_id);
              return (
                <tr key={t.id}>
                  <td data-label="Team">
                    <Link to={`/admin/support/teams/${t.id}`}>{t.name}</Link>
                    {t.is_default && <> <span className="badge">Default</span></>}
                    {!t.active && <> <span className="badge">Inactive</span></>}
                  </td>
                  <td data-label="Owner of new cases">{METHOD_LABEL[t.assignment_method] ?? label(t.assignment_method)}</td>
                  <td data-label="Lead">{lead?.name ?? "—"}</td>
                  <td data-label="Members" className="num">{(t.members?.length ?? 0).toLocaleString()}</td>
                  <td data-label="NPS">{t.nps_enabled ? "Asked" : "Not asked"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {teams.length === 0 && <p className="empty">No team yet. <Link to="/admin/support/teams/new">Make the first one</Link>.</p>}
      </div>
    </section>
  );
}

interface TeamData {
  team: Team | null;
  etag?: string;
}

export async function teamLoader({ params, request: req }: LoaderFunctionArgs): Promise<TeamData> {
  if (!params.teamId) return { team: null };
  const answer = await getWithEtag<Team>(`/support/teams/${params.teamId}`, req.signal);
  return { team: answer.data, etag: answer.etag };
}

interface Values {
  name: string;
  description: string;
  assignment_method: string;
  lead_id: string;
  nps_enabled: boolean;
  is_default: boolean;
  active: boolean;
}

const FIELDS = ["name", "description", "assignment_method", "lead_id", "nps_enabled", "is_default", "active"];

function toValues(team: Team | null): Values {
  return {
    name: team?.name ?? "",
    description: team?.description ?? "",
    assignment_method: team?.assignment_method ?? "round_robin",
    lead_id: team?.lead_id ?? "",
    nps_enabled: team?.nps_enabled ?? false,
    is_default: team?.is_default ?? false,
    active: team?.active ?? true,
  };
}

export function TeamPage() {
  const { team, etag } = useLoaderData() as TeamData;
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const [general, setGeneral] = useState<string[]>([]);
  const [message, setMessage] = useState<string>();
  const [made, setMade] = useState<string>();
  const { register, handleSubmit, setError, reset, formState } = useForm<Values>({ defaultValues: toValues(team) });
  const errors = formState.errors;
  useEffect(() => reset(toValues(team)), [team, reset]);
  useEffect(() => {
    if (made) navigate(`/admin/support/teams/${made}`, { replace: true });
  }, [made, navigate]);

  const save = async (values: Values) => {
    setGeneral([]);
    setMessage(undefined);
    const body: Record<string, unknown> = {
      name: values.name.trim(),
      description: values.description.trim() || null,
      assignment_method: values.assignment_method,
      nps_enabled: values.nps_enabled,
      is_default: values.is_default,
      active: values.active,
    };
    try {
      if (team) {
        const changed = Object.fromEntries(Object.entries({ ...body, lead_id: values.lead_id || null })
          .filter(([key]) => key in formState.dirtyFields));
        await request(`/support/teams/${team.id}`, { method: "PATCH", body: changed, ifMatch: etag ?? `"${team.version}"` });
        setMessage("Saved.");
        revalidator.revalidate();
      } else {
        const created = await post<Team>("/support/teams", body);
        setMade(created.id);
      }
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };

  return (
    <section>
      <h1>{team ? team.name : "New team"}</h1>
      <LeaveGuard dirty={formState.isDirty && !made && !formState.isSubmitting} what="the team" />
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <form onSubmit={handleSubmit(save)} noValidate aria-label="Team" className="panel">
          <h2>Team</h2>
          <TextField label="Name" error={errors.name?.message} maxLength={100} autoFocus={!team}
            {...register("name", { validate: (v) => v.trim() !== "" || "Name the team, e.g. “Billing”." })} />
          <TextArea label="Description" rows={2} error={errors.description?.message} {...register("description")} />
          <SelectField label="Owner of new cases" options={ASSIGNMENT_METHODS} error={errors.assignment_method?.message}
            hint="Among the members who are available." {...register("assignment_method")} />
          {team && (
            <SelectField label="Team lead" placeholder="(no lead)" error={errors.lead_id?.message}
              options={(team.members ?? []).map((m) => ({ value: m.user_id, label: m.name }))}
              hint={team.members?.length ? "Escalations and low survey scores go to the lead." : "Add members first: the lead is one of them."}
              {...register("lead_id")} />
          )}
          <CheckField label="Ask the recommendation score (NPS, 0–10) in surveys" error={errors.nps_enabled?.message} {...register("nps_enabled")} />
          <CheckField label="Default team (takes the cases no routing rule takes)" error={errors.is_default?.message} {...register("is_default")} />
          <CheckField label="Active (given new cases)" error={errors.active?.message} {...register("active")} />
          <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
          <div className="actions">
            <button type="submit" disabled={formState.isSubmitting}>{team ? "Save team" : "Create team"}</button>
            <Link className="button secondary" to="/admin/support/teams">{team ? "Back to teams" : "Cancel"}</Link>
          </div>
        </form>
        {team && <Members team={team} onChanged={(text) => { setMessage(text); revalidator.revalidate(); }} />}
      </div>
    </section>
  );
}

/** The suite's active users that may work cases (support and admin), for "Add a member". */
async function agents(signal: AbortSignal): Promise<AdminUser[]> {
  const users: AdminUser[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<AdminUser> = await get<Page<AdminUser>>("/users", { limit: 200, cursor: cursor ?? undefined }, signal);
    users.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && users.length < 2000);
  return users.filter((u) => u.active && (u.role === "support" || u.role === "admin"));
}

function Members({ team, onChanged }: { team: Team; onChanged: (message: string) => void }) {
  const members = team.members ?? [];
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [userId, setUserId] = useState("");
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    agents(controller.signal).then(setUsers).catch(() => undefined);
    return () => controller.abort();
  }, []);
  const candidates = users.filter((u) => !members.some((m) => m.user_id === u.id));

  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setErrors({});
    setError(undefined);
    if (!userId) {
      setErrors({ user_id: "Pick the person to add." });
      return;
    }
    try {
      await post(`/support/teams/${team.id}/members`, { user_id: userId, email: email.trim() || null });
      const who = users.find((u) => u.id === userId);
      setUserId("");
      setEmail("");
      onChanged(`${who?.display_name ?? who?.username ?? "The person"} joined ${team.name}.`);
    } catch (e) {
      const problem = e as { errors?: Record<string, string[]> };
      if (problem.errors && (problem.errors.user_id || problem.errors.email)) {
        setErrors(Object.fromEntries(Object.entries(problem.errors).map(([k, v]) => [k, v.join(" ")])));
      } else setError(e);
    }
  };

  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {members.length === 0 ? <p className="muted">No members yet: the team's cases get no owner.</p> : (
        <div className="table-wrap">
          <table className="list">
            <caption className="visually-hidden">Members of {team.name}</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">Takes new cases</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.user_id}>
                  <td data-label="Member">{m.name}{m.user_id === team.lead_id && <> <span className="badge">Lead</span></>}
                    {m.email && <div className="muted">{m.email}</div>}
                    {m.active === false && <div className="muted">Not an active user</div>}</td>
                  <td data-label="Takes new cases">{m.available === false ? "No (away)" : "Yes"}</td>
                  <td data-label="Actions" className="row-actions">
                    <ActionButton className="secondary"
                      work={() => request(`/support/teams/${team.id}/members/${m.user_id}`, { method: "PATCH", body: { available: m.available === false } })}
                      done={() => onChanged(m.available === false ? `${m.name} takes new cases again.` : `${m.name} is away: no new cases.`)}>
                      {m.available === false ? `Mark ${m.name} available` : `Mark ${m.name} away`}
                    </ActionButton>
                    <ActionButton className="secondary"
                      work={() => request(`/support/teams/${team.id}/members/${m.user_id}`, { method: "DELETE" })}
                      done={() => onChanged(`${m.name} left ${team.name}.`)}>
                      Remove {m.name}
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={add} noValidate aria-label="Add a member" className="toolbar">
        <SelectField label="Person" value={userId} onChange={(e) => setUserId(e.target.value)} error={errors.user_id}
          placeholder={candidates.length ? "(pick a person)" : "(no support user left to add)"}
          options={candidates.map((u) => ({ value: u.id, label: u.display_name ? `${u.display_name} (${u.username})` : u.username }))} />
        <TextField label="Email for escalations" type="email" value={email} onChange={(e) => setEmail(e.target.value)}
          error={errors.email} hint="Optional." />
        <button type="submit">Add member</button>
      </form>
      {error !== undefined && <p role="alert" className="field-error">{problemText(error)}</p>}
    </section>
  );
}
