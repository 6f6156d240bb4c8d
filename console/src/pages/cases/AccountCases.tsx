// The "Cases" section of an account's page: the account's support at a
// glance (from the page's customer-360 overview: open cases by priority, the
// breached ones, the oldest, recent cases, CSAT and follow-up tasks), its open
// cases, most urgent first, with their clocks, and links to the queue
// filtered to the account and to a new case for it.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { get } from "../../lib/api";
import { plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";
import type { AccountSupportSummary, PartState } from "../accounts/overview";
import { agentName, CASE_PRIORITIES, duration, loadTeams, type CaseSummary, type Team } from "./case";
import { CaseStatusBadge, NextClock, PriorityBadge } from "./Clocks";
import "./account-cases.css";

const OPEN = ["new", "open", "pending", "on_hold"];
const MOST_URGENT_FIRST = [...CASE_PRIORITIES].reverse();

/** The support summary as facts; `null` when support has nothing for the account yet. */
function SupportFacts({ summary, accountId }: { summary: AccountSupportSummary; accountId: string }) {
  const open = summary.open_cases;
  const chips = MOST_URGENT_FIRST.filter((p) => (open.by_priority[p] ?? 0) > 0);
  const last = summary.csat.last_answer;
  const tasks = summary.open_tasks;
  return (
    <dl className="facts support-facts" aria-label="Support at a glance">
      <div className="fact">
        <dt>Open cases</dt>
        <dd>
          <span className="support-total">{open.total}</span>
          {chips.length > 0 && (
            <ul className="plain priority-chips" aria-label="Open cases by priority">
              {chips.map((p) => (
                <li key={p}><PriorityBadge priority={p} /> {open.by_priority[p]}</li>
              ))}
            </ul>
          )}
        </dd>
      </div>
      <div className="fact">
        <dt>SLA breached</dt>
        <dd>
          {open.breached > 0
            ? <Link className="breached-link" to={`/cases?view=all&account_id=${accountId}&sla=breached`}>{plural(open.breached, "open case")} breached</Link>
            : <span className="muted">None</span>}
        </dd>
      </div>
      <div className="fact">
        <dt>Oldest open</dt>
        <dd>
          {open.oldest
            ? <><Link to={`/cases/${open.oldest.id}`}>{open.oldest.number}</Link> <span className="muted">· open for {duration(open.oldest.age_seconds)}</span></>
            : <span className="muted">—</span>}
        </dd>
      </div>
      <div className="fact">
        <dt>Last {summary.window_days} days</dt>
        <dd>
          {plural(summary.cases_opened_recently, "case")} opened
          {summary.last_case_opened_at && <span className="muted"> · last {when(summary.last_case_opened_at)}</span>}
        </dd>
      </div>
      <div className="fact">
        <dt>CSAT</dt>
        <dd>
          {summary.csat.average === null
            ? <span className="muted">No answers in the last {summary.window_days} days</span>
            : <>{summary.csat.average.toFixed(1)} / 5 <span className="muted">({plural(summary.csat.count, "answer")})</span></>}
          {last && (
            <div className="last-answer">
              Last: {last.csat} / 5 on <Link to={`/cases/${last.case_id}`}>{last.case_number}</Link>
              <span className="muted"> · {when(last.answered_at)}</span>
              {last.comment && <blockquote>{last.comment}</blockquote>}
            </div>
          )}
        </dd>
      </div>
      <div className="fact">
        <dt>Follow-up tasks</dt>
        <dd>
          {tasks.total === 0 ? <span className="muted">None open</span> : <>{tasks.total} open</>}
          {tasks.overdue > 0 && <> · <span className="badge overdue">{tasks.overdue} overdue</span></>}
        </dd>
      </div>
    </dl>
  );
}

export function AccountCases({ accountId, accountName, support }: {
  accountId: string;
  accountName: string;
  /** The overview's support part (the account page asks for it once); without it nothing is summed up. */
  support?: PartState<AccountSupportSummary | null>;
}) {
  const can = useCan();
  const [page, setPage] = useState<Page<CaseSummary>>();
  const [teams, setTeams] = useState<Team[]>([]);
  useEffect(() => {
    loadTeams().then(setTeams);
  }, []);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    const open = new URLSearchParams({ account_id: accountId, sort: "due", limit: "10" });
    OPEN.forEach((s) => open.append("status", s));
    setError(undefined);
    get<Page<CaseSummary>>("/cases", open, controller.signal)
      .then(setPage)
      .catch((e) => {
        if (!controller.signal.aborted) setError(e);
      });
    return () => controller.abort();
  }, [accountId]);
  if (support?.state === "not_permitted") return null;
  const unavailable = support?.state === "unavailable";
  const summary = support?.state === "answered" ? support.data : null;
  return (
    <section className="panel account-cases" aria-labelledby="account-cases-heading">
      <div className="page-head">
        <h2 id="account-cases-heading">Cases</h2>
        <div className="actions">
          {can("cases:write") && <Link className="button secondary" to={`/cases/new?account_id=${accountId}`}>New case</Link>}
        </div>
      </div>
      {unavailable && (
        <p className="alert warn" role="status">Support is not answering: its figures for {accountName} are missing for now.</p>
      )}
      {summary && <SupportFacts summary={summary} accountId={accountId} />}
      {!unavailable && <FormAlert error={error} />}
      {!page && !error && <p className="muted">Loading…</p>}
      {page && (
        <>
          <p className="muted">
            {!summary && <>{page.items.length === 0 ? "No open cases." : `${page.items.length}${page.next_cursor ? "+" : ""} open`} · </>}
            <Link to={`/cases?view=all&account_id=${accountId}`}>All cases of {accountName}</Link>
          </p>
          {page.items.length > 0 && (
            <ul className="plain case-rows" aria-label={`Open cases of ${accountName}`}>
              {page.items.map((c) => (
                <li key={c.id}>
                  <Link to={`/cases/${c.id}`}>{c.number}</Link> {c.subject}{" "}
                  <span className="case-row-meta">
                    <CaseStatusBadge status={c.status} /> <PriorityBadge priority={c.priority} /> <NextClock c={c} />
                    <span className="muted"> · {c.owner_id ? agentName(teams, c.owner_id) : "no owner"} · changed {when(c.updated_at)}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
