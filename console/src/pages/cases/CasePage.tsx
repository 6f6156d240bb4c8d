// One case: its facts (number, status, priority, account, contact, order,
// team, owner; edited in place with If-Match by those who work cases), its
// SLA clocks, the conversation with the reply box (and suggested articles)
// and the internal note box, the status moves its state allows, "merge into
// another case", and its history. Read-only for roles that only read cases.
import { useEffect, useState } from "react";
import { Link, useLoaderData, useLocation, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts } from "../../components/EditableFacts";
import { History } from "../../components/records";
import { ActionButton } from "../orders/actions";
import { accountName } from "../accounts/account";
import {
  agentName, agentsOf, CASE_PRIORITIES, CASE_CHANNELS, CASE_TYPES, loadTeams, moveLabel, movesOf, teamName,
  type Case, type CaseMessage, type Team,
} from "./case";
import { CaseStatusBadge, ClockTable, NextClock, PriorityBadge } from "./Clocks";
import { Messages, NoteBox, ReplyBox } from "./Conversation";
import { MergeCase } from "./MergeCase";

export interface CaseData {
  case: Case;
  etag?: string;
  messages: CaseMessage[];
  teams: Team[];
  account: string | null;
}

async function allMessages(id: string, signal: AbortSignal): Promise<CaseMessage[]> {
  const out: CaseMessage[] = [];
  let cursor: string | null = null;
  for (let round = 0; round < 20; round++) {
    const answer: { items: CaseMessage[]; next_cursor?: string | null } | CaseMessage[] =
      await get(`/cases/${id}/messages`, { limit: 200, cursor: cursor ?? undefined }, signal);
    if (Array.isArray(answer)) return answer;
    out.push(...answer.items);
    cursor = answer.next_cursor ?? null;
    if (!cursor) break;
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function caseLoader({ params, request: req }: LoaderFunctionArgs): Promise<CaseData> {
  const id = params.caseId!;
  const [answer, messages, teams] = await Promise.all([
    getWithEtag<Case>(`/cases/${id}`, req.signal),
    allMessages(id, req.signal),
    loadTeams(),
  ]);
  const c = answer.data;
  const account = c.account_name ?? (c.account_id ? await accountName(c.account_id) : null);
  return { case: c, etag: answer.etag, messages, teams, account };
}

export function CasePage() {
  const { case: c, etag, messages, teams, account } = useLoaderData() as CaseData;
  const can = useCan();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const location = useLocation();
  const [message, setMessage] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  useEffect(() => setMessage((location.state as { message?: string } | null)?.message), [location.key, location.state]);
  const refresh = (text?: string) => {
    setMessage(text);
    revalidator.revalidate();
  };
  const merged = Boolean(c.merged_into);
  const writer = can("cases:write") && !merged;
  const ifMatch = etag ?? `"${c.version}"`;
  const moves = movesOf(c);
  const ownerOptions = agentsOf(teams).map((a) => ({ value: a.id, label: a.name }));
  if (c.owner_id && !ownerOptions.some((o) => o.value === c.owner_id)) ownerOptions.unshift({ value: c.owner_id, label: agentName(teams, c.owner_id) });

  return (
    <article>
      <div className="page-head">
        <div>
          <h1><span className="case-number">{c.number}</span> {c.subject}</h1>
          <p className="muted case-head">
            <CaseStatusBadge status={c.status} /> <PriorityBadge priority={c.priority} /> <NextClock c={c} quiet /> · {label(c.channel)}
            {c.account_id && <> · <Link to={`/accounts/${c.account_id}`}>{account ?? "Account"}</Link></>}
            {c.contact_id
              ? <> · <Link to={`/contacts/${c.contact_id}`}>{c.contact_name ?? c.contact_email ?? "Contact"}</Link></>
              : c.contact_email && <> · {c.contact_name ? `${c.contact_name} ` : ""}&lt;{c.contact_email}&gt;</>}
            {c.order_id && <> · <Link to={`/orders/${c.order_id}`}>Order {c.order_number ?? ""}</Link></>}
            {" "}· opened {when(c.created_at)}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {merged && (
        <p className="alert info">
          This case was merged into <Link to={`/cases/${c.merged_into}`}>another case</Link>; its conversation continues there.
        </p>
      )}
      {c.related_case_id && (
        <p className="alert info">Follows up <Link to={`/cases/${c.related_case_id}`}>an earlier case</Link> of the same customer.</p>
      )}
      {!can("cases:write") && <p className="muted">You can read this case; the support team works it.</p>}
      <div className="grid-2">
        <div>
          {c.description && (
            <section className="panel" aria-labelledby="description-heading">
              <h2 id="description-heading">Description</h2>
              <p className="pre-line">{c.description}</p>
            </section>
          )}
          <section className="panel" aria-labelledby="conversation-heading">
            <h2 id="conversation-heading">Conversation</h2>
            <Messages messages={messages} />
          </section>
          {writer && c.status !== "closed" && <ReplyBox key={`r-${c.id}`} c={c} onSent={refresh} />}
          {writer && <NoteBox key={`n-${c.id}`} c={c} onSaved={refresh} />}
          <History path={`/cases/${c.id}/history`} version={c.version} />
        </div>
        <aside>
          <ClockTable c={c} />
          {writer && (moves.length > 0 || c.status !== "closed") && (
            <section className="panel" aria-labelledby="actions-heading">
              <h2 id="actions-heading">Status</h2>
              <div className="action-stack">
                {moves.map((to) => (
                  <ActionButton key={to} className={to === "resolved" ? undefined : "secondary"}
                    work={() => request(`/cases/${c.id}/status`, { method: "POST", body: { status: to }, ifMatch })}
                    done={() => refresh(`${c.number} is ${label(to).toLowerCase()} now.`)}>
                    {moveLabel(c.status, to)}
                  </ActionButton>
                ))}
                {moves.length === 0 && <p className="muted">A closed case stays closed; a new message from the customer opens a follow-up case.</p>}
                {c.status !== "closed" && (
                  <MergeCase c={c} done={(target) => navigate(`/cases/${target.id}`, { state: { message: `${c.number} was merged into ${target.number}.` } })} />
                )}
              </div>
            </section>
          )}
          <EditableFacts title="Details" record={c} path={`/cases/${c.id}`} etag={etag} canEdit={writer}
            onSaved={() => refresh("Saved.")} fields={[
              { name: "subject", label: "Subject" },
              {
                name: "priority", label: "Priority", type: "select",
                options: CASE_PRIORITIES.map((p) => ({ value: p, label: label(p) })), show: (x: Case) => label(x.priority),
                hint: "A new priority may choose another SLA policy; the time used so far is kept.",
              },
              {
                name: "type", label: "Type", type: "select", options: CASE_TYPES.map((t) => ({ value: t, label: label(t) })),
                show: (x: Case) => label(x.type),
              },
              {
                name: "owner_id", label: "Owner", type: "select", options: ownerOptions, show: (x: Case) => agentName(teams, x.owner_id),
                hint: "A member of a support team.",
              },
              {
                name: "team_id", label: "Team", type: "select", options: teams.map((t) => ({ value: t.id, label: t.name })),
                show: (x: Case) => (x.team_id ? teamName(teams, x.team_id) : "no team"),
              },
              { name: "tags", label: "Tags", type: "lines", show: (x: Case) => (x.tags?.length ? x.tags.join(", ") : "—") },
              { name: "channel", label: "Channel", readOnly: true, show: (x: Case) => label(x.channel) },
              { name: "contact_email", label: "Contact email", readOnly: true },
              { name: "created_at", label: "Opened", readOnly: true, show: (x: Case) => when(x.created_at) },
              { name: "resolved_at", label: "Resolved", readOnly: true, show: (x: Case) => when(x.resolved_at) },
            ]} />
        </aside>
      </div>
    </article>
  );
}

export const CHANNEL_OPTIONS = CASE_CHANNELS.map((ch) => ({ value: ch, label: label(ch) }));
