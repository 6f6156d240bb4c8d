// The support role's blocks of the start page: my open cases with the least
// SLA time left first, and the cases overdue now (every team's, for the team
// to pick up); each loads and fails on its own.
import { Link } from "react-router";
import { get, queryString } from "../../lib/api";
import type { Page } from "../../components/records";
import { Block } from "../home/Block";
import type { CaseSummary } from "../cases/case";
import { CaseStatusBadge, NextClock, PriorityBadge } from "../cases/Clocks";

const OPEN = ["new", "open", "pending", "on_hold"];

function CaseRows({ cases, empty }: { cases: CaseSummary[]; empty: string }) {
  if (cases.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="home-list case-rows">
      {cases.map((c) => (
        <li key={c.id}>
          <Link to={`/cases/${c.id}`}>{c.number}</Link> {c.subject}{" "}
          <span className="case-row-meta">
            <CaseStatusBadge status={c.status} /> <PriorityBadge priority={c.priority} /> <NextClock c={c} />
          </span>
        </li>
      ))}
    </ul>
  );
}

export function MyCasesBlock({ me }: { me: string }) {
  return (
    <Block<Page<CaseSummary>> title="My open cases, most urgent first"
      more={<Link to={`/cases${queryString({ view: "mine" })}`}>My queue</Link>}
      load={(signal) => get("/cases", { owner_id: me, status: OPEN, sort: "due", limit: 8 }, signal)}>
      {(page) => <CaseRows cases={page.items} empty="No open case is yours. The team's queue may have some." />}
    </Block>
  );
}

export function OverdueBlock() {
  return (
    <Block<Page<CaseSummary>> title="Overdue cases"
      more={<Link to={`/cases${queryString({ view: "all", sla: "breached" })}`}>All overdue cases</Link>}
      load={(signal) => get("/cases", { sla: "breached", status: OPEN, sort: "due", limit: 8 }, signal)}>
      {(page) => <CaseRows cases={page.items} empty="No open case is past its SLA." />}
    </Block>
  );
}

export function SupportBlocks({ me }: { me: string }) {
  return (
    <>
      <MyCasesBlock me={me} />
      <OverdueBlock />
    </>
  );
}
