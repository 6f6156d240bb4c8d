// The "Cases" section of an account's page: its open cases, most urgent
// first, with their clocks, how many there are by status, and links to the
// queue filtered to the account and to a new case for it.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { get } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";
import { agentName, loadTeams, type CaseCounts, type CaseSummary, type Team } from "./case";
import { CaseStatusBadge, NextClock, PriorityBadge } from "./Clocks";

const OPEN = ["new", "open", "pending", "on_hold"];

export function AccountCases({ accountId, accountName }: { accountId: string; accountName: string }) {
  const can = useCan();
  const [data, setData] = useState<{ page: Page<CaseSummary>; counts: CaseCounts | null }>();
  const [teams, setTeams] = useState<Team[]>([]);
  useEffect(() => {
    loadTeams().then(setTeams);
  }, []);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    const open = new URLSearchParams({ account_id: accountId, sort: "due", limit: "10" });
    OPEN.forEach((s) => open.append("status", s));
    Promise.all([
      get<Page<CaseSummary>>("/cases", open, controller.signal),
      get<CaseCounts>("/cases/counts", { account_id: accountId }, controller.signal).catch(() => null),
    ]).then(([page, counts]) => setData({ page, counts }))
      .catch((e) => {
        if (!controller.signal.aborted) setError(e);
      });
    return () => controller.abort();
  }, [accountId]);
  const openCount = data?.counts ? OPEN.reduce((n, s) => n + (data.counts!.by_status[s] ?? 0), 0) : data?.page.items.length;
  return (
    <section className="panel account-cases" aria-labelledby="account-cases-heading">
      <div className="page-head">
        <h2 id="account-cases-heading">Cases</h2>
        <div className="actions">
          {can("cases:write") && <Link className="button secondary" to={`/cases/new?account_id=${accountId}`}>New case</Link>}
        </div>
      </div>
      <FormAlert error={error} />
      {!data && !error && <p className="muted">Loading…</p>}
      {data && (
        <>
          <p className="muted">
            {openCount === 0 ? "No open cases." : `${openCount} open`}
            {data.counts && data.counts.total > 0 && <> · {data.counts.total} in all</>}
            {" "}· <Link to={`/cases?view=all&account_id=${accountId}`}>All cases of {accountName}</Link>
          </p>
          {data.page.items.length > 0 && (
            <ul className="plain case-rows" aria-label={`Open cases of ${accountName}`}>
              {data.page.items.map((c) => (
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
