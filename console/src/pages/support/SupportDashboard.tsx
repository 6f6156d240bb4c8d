// The support team's view (GET /support/figures): today's SLA breaches, the
// backlog by age (a chart) and status, SLA compliance, first response and
// resolution times in business hours, CSAT and NPS, knowledge-base
// deflection, and the figures per agent and per team; for a period and
// optionally one team, all in the query string.
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { Bar } from "react-chartjs-2";
import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from "chart.js";
import { get } from "../../lib/api";
import { day, label, when } from "../../lib/format";
import { SelectField, TextField } from "../../components/forms";
import { listQuery } from "../../components/lists";
import { agentName, duration, loadTeams, metricLabel, teamName, type Team } from "../cases/case";
import { CaseStatusBadge, PriorityBadge } from "../cases/Clocks";
import type { CaseStatus } from "../cases/case";

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip, Legend);

interface Compliance { metric: string; ended: number; met: number; compliance: number | null }
interface Duration { metric: string; count: number; median_seconds: number | null; p90_seconds: number | null }
interface Group {
  owner_id?: string | null;
  team_id?: string | null;
  team_name?: string | null;
  open: number;
  opened: number;
  resolved: number;
  first_response_median_seconds: number | null;
  resolution_median_seconds: number | null;
  csat_average: number | null;
  csat_count: number;
}
interface Breach {
  case_id: string;
  number: string;
  subject: string;
  priority: string;
  status: string;
  team_id: string | null;
  owner_id: string | null;
  metric: string;
  breached_at: string;
  achieved_at: string | null;
}

/** GET /support/figures (FiguresSchema of shared/schemas/support/figures.py). */
export interface Figures {
  period: { from: string; to: string; time_zone: string; team_id: string | null; owner_id: string | null };
  generated_at: string;
  opened: number;
  resolved: number;
  sla: Compliance[];
  times: Duration[];
  backlog: { total: number; by_status: Record<string, number>; by_age: Record<string, number> };
  agents: Group[];
  teams: Group[];
  csat: { count: number; average: number | null; distribution: Record<string, number>; sent: number; response_rate: number | null };
  nps: { count: number; promoters: number; passives: number; detractors: number; score: number | null };
  breaches_today: Breach[];
  deflection: {
    public_article_views: number; helpful_votes: number; not_helpful_votes: number; cases_opened: number; deflection_rate: number | null;
  };
}

const AGE_LABEL: Record<string, string> = {
  under_1d: "Under 1 day", "1d_to_3d": "1 to 3 days", "3d_to_7d": "3 to 7 days", "7d_to_30d": "7 to 30 days", over_30d: "Over 30 days",
};
const KEYS = ["from", "to", "team_id"];

interface Data {
  figures: Figures;
  teams: Team[];
}

export async function supportLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const query = listQuery(params, KEYS);
  query.set("time_zone", Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const [figures, teams] = await Promise.all([get<Figures>("/support/figures", query, req.signal), loadTeams()]);
  return { figures, teams };
}

const percent = (share: number | null | undefined) => (share === null || share === undefined ? "—" : `${Math.round(share * 1000) / 10} %`);
const seconds = (value: number | null | undefined) => (value === null || value === undefined ? "—" : duration(value));
const average = (value: number | null | undefined) => (value === null || value === undefined ? "—" : value.toFixed(2));

function Figure({ title, value, detail }: { title: string; value: string; detail?: string }) {
  return (
    <div className="figure-box">
      <span className="muted">{title}</span>
      <strong>{value}</strong>
      {detail && <small className="muted">{detail}</small>}
    </div>
  );
}

function BacklogChart({ byAge }: { byAge: Record<string, number> }) {
  const buckets = Object.keys(AGE_LABEL).filter((k) => k in byAge);
  const summary = buckets.map((b) => `${AGE_LABEL[b]}: ${byAge[b]}`).join("; ");
  return (
    <div className="chart">
      <Bar aria-label={`Open cases by age. ${summary}`} fallbackContent={<p>{summary}</p>}
        data={{ labels: buckets.map((b) => AGE_LABEL[b]), datasets: [{ label: "Open cases", data: buckets.map((b) => byAge[b]), backgroundColor: "#1f5fbf" }] }}
        options={{
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        }} />
    </div>
  );
}

function GroupTable({ caption, rows, name }: { caption: string; rows: Group[]; name: (g: Group) => string }) {
  if (rows.length === 0) return <p className="muted">Nothing in this period.</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col" className="num">Open</th><th scope="col" className="num">Opened</th>
            <th scope="col" className="num">Resolved</th><th scope="col" className="num">First response (median)</th>
            <th scope="col" className="num">Resolution (median)</th><th scope="col" className="num">CSAT</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g, i) => (
            <tr key={`${g.owner_id ?? g.team_id ?? "none"}-${i}`}>
              <td data-label="Name">{name(g)}</td>
              <td data-label="Open" className="num">{g.open}</td>
              <td data-label="Opened" className="num">{g.opened}</td>
              <td data-label="Resolved" className="num">{g.resolved}</td>
              <td data-label="First response (median)" className="num">{seconds(g.first_response_median_seconds)}</td>
              <td data-label="Resolution (median)" className="num">{seconds(g.resolution_median_seconds)}</td>
              <td data-label="CSAT" className="num">{g.csat_count ? `${average(g.csat_average)} (${g.csat_count})` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SupportDashboard() {
  const { figures: f, teams } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const agent = (id: string | null | undefined) => {
    if (!id) return "Unassigned";
    const name = agentName(teams, id);
    return name === "an agent" ? id : name;
  };
  return (
    <section>
      <h1>Support figures</h1>
      <p className="muted">
        {day(f.period.from)} to {day(f.period.to)} ({f.period.time_zone})
        {f.period.team_id && <> · team {teamName(teams, f.period.team_id)}</>} · as of {when(f.generated_at)}.
        Times are business hours of each case's SLA calendar.
      </p>
      <Form method="get" className="toolbar" aria-label="Period and team">
        <TextField label="From" type="date" name="from" defaultValue={params.get("from") ?? f.period.from} key={`f${f.period.from}`} />
        <TextField label="To" type="date" name="to" defaultValue={params.get("to") ?? f.period.to} key={`t${f.period.to}`} />
        {teams.length > 0 && (
          <SelectField label="Team" name="team_id" defaultValue={params.get("team_id") ?? ""} key={`team${params.get("team_id")}`}
            placeholder="Every team" options={teams.map((t) => ({ value: t.id, label: t.name }))} />
        )}
        <button type="submit">Show</button>
        <Link to="?" className="button secondary">Last 30 days</Link>
      </Form>

      <div className="figures" aria-label="Key figures" role="group">
        <Figure title="Open now" value={f.backlog.total.toLocaleString()} />
        <Figure title="Opened" value={f.opened.toLocaleString()} detail="in the period" />
        <Figure title="Resolved" value={f.resolved.toLocaleString()} detail="in the period" />
        <Figure title="Breaches today" value={f.breaches_today.length.toLocaleString()} />
        <Figure title="CSAT" value={average(f.csat.average)} detail={`${f.csat.count} answers of ${f.csat.sent} sent`} />
        <Figure title="NPS" value={f.nps.score === null ? "—" : String(Math.round(f.nps.score))} detail={`${f.nps.count} answers`} />
        <Figure title="Deflection" value={percent(f.deflection.deflection_rate)}
          detail={`${f.deflection.helpful_votes} helpful votes, ${f.deflection.cases_opened} cases`} />
      </div>

      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="breaches-heading">
            <h2 id="breaches-heading">Today's breaches</h2>
            {f.breaches_today.length === 0 ? <p className="muted">No SLA was breached today.</p> : (
              <ul className="plain case-rows" aria-label="Today's breaches">
                {f.breaches_today.map((b) => (
                  <li key={`${b.case_id}-${b.metric}`}>
                    <Link to={`/cases/${b.case_id}`}>{b.number}</Link> {b.subject}{" "}
                    <span className="case-row-meta">
                      <CaseStatusBadge status={b.status as CaseStatus} /> <PriorityBadge priority={b.priority} />
                      <span className="clock clock-overdue">{metricLabel(b.metric)} breached {when(b.breached_at)}</span>
                      <span className="muted">· {agent(b.owner_id)}{b.achieved_at ? " · since answered" : ""}</span>
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <p><Link to="/cases?view=all&sla=breached">Every overdue case</Link></p>
          </section>
          <section className="panel" aria-labelledby="backlog-heading">
            <h2 id="backlog-heading">Backlog by age</h2>
            <BacklogChart byAge={f.backlog.by_age} />
            <ul className="counts" aria-label="Backlog by status">
              {Object.entries(f.backlog.by_status).map(([status, n]) => (
                <li key={status}><Link to={`/cases?view=all&status=${status}`}>{label(status)} {n.toLocaleString()}</Link></li>
              ))}
            </ul>
          </section>
          <section className="panel" aria-labelledby="agents-heading">
            <h2 id="agents-heading">Per agent</h2>
            <GroupTable caption="Figures per agent" rows={f.agents} name={(g) => agent(g.owner_id)} />
          </section>
          <section className="panel" aria-labelledby="teams-heading">
            <h2 id="teams-heading">Per team</h2>
            <GroupTable caption="Figures per team" rows={f.teams} name={(g) => g.team_name ?? (g.team_id ? teamName(teams, g.team_id) : "No team")} />
          </section>
        </div>
        <aside>
          <section className="panel" aria-labelledby="compliance-heading">
            <h2 id="compliance-heading">SLA compliance</h2>
            <dl className="facts">
              {f.sla.map((s) => (
                <div key={s.metric} className="fact">
                  <dt>{metricLabel(s.metric)}</dt>
                  <dd>{percent(s.compliance)} <span className="muted">({s.met} of {s.ended} met)</span></dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="panel" aria-labelledby="times-heading">
            <h2 id="times-heading">Times (business hours)</h2>
            <dl className="facts">
              {f.times.map((t) => (
                <div key={t.metric} className="fact">
                  <dt>{metricLabel(t.metric)}</dt>
                  <dd>median {seconds(t.median_seconds)} · p90 {seconds(t.p90_seconds)} <span className="muted">({t.count})</span></dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="panel" aria-labelledby="csat-heading">
            <h2 id="csat-heading">Satisfaction</h2>
            <dl className="facts">
              {["5", "4", "3", "2", "1"].map((score) => (
                <div key={score} className="fact"><dt>{score} of 5</dt><dd>{(f.csat.distribution[score] ?? 0).toLocaleString()}</dd></div>
              ))}
              <div className="fact"><dt>Response rate</dt><dd>{percent(f.csat.response_rate)}</dd></div>
              <div className="fact">
                <dt>NPS answers</dt>
                <dd>{f.nps.promoters} promoters · {f.nps.passives} passives · {f.nps.detractors} detractors</dd>
              </div>
            </dl>
          </section>
        </aside>
      </div>
    </section>
  );
}
