// /admin/support/mail: is support mail flowing? The outgoing queue by status
// (what is due and since when), the latest failures and bounces with their
// reason and "Send again", the polled mailboxes (last poll, its result) and
// what became of the latest mails received.
import { useState } from "react";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, request } from "../../../lib/api";
import { label, when } from "../../../lib/format";
import { ActionButton } from "../../orders/actions";

interface OutgoingMail {
  id: string;
  kind: string;
  case_id: string | null;
  message_id: string;
  from_address: string;
  to_addresses: string[];
  subject: string;
  status: "queued" | "sent" | "failed" | "bounced";
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  sent_at: string | null;
  bounced_at: string | null;
  created_at: string;
  updated_at: string;
}

interface Mailbox {
  mailbox: string;
  uidvalidity: number | null;
  last_uid: number;
  last_poll_at: string | null;
  last_ok_at: string | null;
  last_result: string | null;
  last_error: string | null;
}

interface Incoming {
  message_id: string;
  from_address: string | null;
  subject: string | null;
  outcome: string;
  reason: string | null;
  case_id: string | null;
  received_at: string;
}

export interface MailState {
  sending: boolean;
  polling: boolean;
  support_address: string;
  outgoing: Record<"queued" | "sent" | "failed" | "bounced", number>;
  due: number;
  oldest_due_at: string | null;
  failures: OutgoingMail[];
  mailboxes: Mailbox[];
  incoming_last_day: Record<string, number>;
  incoming: Incoming[];
}

export async function mailLoader({ request }: LoaderFunctionArgs): Promise<MailState> {
  return get<MailState>("/support/mail", undefined, request.signal);
}

export function MailStatus() {
  const state = useLoaderData() as MailState;
  const revalidator = useRevalidator();
  const [message, setMessage] = useState<string>();
  const counts = state.outgoing;
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Support mail</h1>
          <p className="muted">Mail to <strong>{state.support_address}</strong> opens or continues cases; agents' replies go out from it.</p>
        </div>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => { setMessage(undefined); revalidator.revalidate(); }}
            disabled={revalidator.state === "loading"}>Refresh</button>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {!state.sending && <p className="alert warn">Sending is off: no SMTP server is set (SMTP_HOST). Replies wait in the queue.</p>}
      {!state.polling && <p className="alert warn">No mailbox is polled (IMAP_HOST): mail to the support address does not reach cases.</p>}
      <div className="grid-2">
        <section className="panel" aria-labelledby="outgoing-heading">
          <h2 id="outgoing-heading">Outgoing</h2>
          <dl className="facts">
            <dt>Queued</dt><dd>{counts.queued.toLocaleString()}{state.due > 0 && <> ({state.due.toLocaleString()} due{state.oldest_due_at ? `, the oldest since ${when(state.oldest_due_at)}` : ""})</>}</dd>
            <dt>Sent</dt><dd>{counts.sent.toLocaleString()}</dd>
            <dt>Failed</dt><dd>{counts.failed.toLocaleString()}</dd>
            <dt>Bounced</dt><dd>{counts.bounced.toLocaleString()}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="mailbox-heading">
          <h2 id="mailbox-heading">Mailbox</h2>
          {state.mailboxes.length === 0 ? <p className="muted">Not polled yet.</p> : (
            <ul className="plain">
              {state.mailboxes.map((m) => (
                <li key={m.mailbox}>
                  <strong>{m.mailbox}</strong>
                  <dl className="facts">
                    <dt>Last poll</dt><dd>{when(m.last_poll_at)}{m.last_result ? ` · ${m.last_result}` : ""}</dd>
                    <dt>Last good poll</dt><dd>{when(m.last_ok_at)}</dd>
                    {m.last_error && <><dt>Error</dt><dd className="field-error">{m.last_error}</dd></>}
                  </dl>
                </li>
              ))}
            </ul>
          )}
          {Object.keys(state.incoming_last_day).length > 0 && (
            <p className="muted">Last 24 hours: {Object.entries(state.incoming_last_day).map(([k, v]) => `${label(k)} ${v}`).join(" · ")}</p>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="failures-heading">
        <h2 id="failures-heading">Failures and bounces</h2>
        {state.failures.length === 0 ? <p className="muted">None: every mail went out.</p> : (
          <div className="table-wrap">
            <table className="list">
              <caption className="visually-hidden">Failed and bounced mails</caption>
              <thead><tr><th scope="col">Mail</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Why</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {state.failures.map((m) => (
                  <tr key={m.id}>
                    <td data-label="Mail">{m.subject}<div className="muted">{label(m.kind)} · {when(m.updated_at)}
                      {m.case_id && <> · <Link to={`/cases/${m.case_id}`}>its case</Link></>}</div></td>
                    <td data-label="To">{m.to_addresses.join(", ")}</td>
                    <td data-label="Status"><span className="badge">{label(m.status)}</span> after {m.attempts} {m.attempts === 1 ? "attempt" : "attempts"}</td>
                    <td data-label="Why">{m.last_error ?? "—"}</td>
                    <td data-label="Actions">
                      {(m.status === "failed" || m.status === "bounced") && (
                        <ActionButton className="secondary" work={() => request(`/support/mail/outgoing/${m.id}/retry`, { method: "POST" })}
                          done={() => { setMessage(`“${m.subject}” is queued to be sent again.`); revalidator.revalidate(); }}>
                          Send again<span className="visually-hidden"> “{m.subject}”</span>
                        </ActionButton>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="incoming-heading">
        <h2 id="incoming-heading">Latest mail received</h2>
        {state.incoming.length === 0 ? <p className="muted">Nothing received yet.</p> : (
          <div className="table-wrap">
            <table className="list">
              <caption className="visually-hidden">Latest mail received</caption>
              <thead><tr><th scope="col">Received</th><th scope="col">From</th><th scope="col">Subject</th><th scope="col">Became</th></tr></thead>
              <tbody>
                {state.incoming.map((m) => (
                  <tr key={m.message_id}>
                    <td data-label="Received">{when(m.received_at)}</td>
                    <td data-label="From">{m.from_address ?? "—"}</td>
                    <td data-label="Subject">{m.subject ?? "(no subject)"}</td>
                    <td data-label="Became">
                      {m.case_id ? <Link to={`/cases/${m.case_id}`}>{label(m.outcome)}</Link> : label(m.outcome)}
                      {m.reason && <div className="muted">{m.reason}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
