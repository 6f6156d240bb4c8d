// "Consent" on a contact's or lead's page: what the person agreed to (per
// purpose and channel, with the legal basis and the evidence) and every
// change, newest first. The campaigns service knows the person by the
// record's kind and id (by-source), and keeps consent per email address.
import { useEffect, useState } from "react";
import { get, Problem } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { ConsentEntry, Person, PersonConsent } from "./campaign";
import "./campaigns.css";

type State =
  | { state: "loading" }
  | { state: "unknown" }
  | { state: "error"; error: unknown }
  | { state: "ready"; person: Person; consent: PersonConsent };

function normalise(answer: unknown): PersonConsent {
  const a = (answer ?? {}) as Record<string, any>;
  return {
    email: a.email ?? a.email_norm ?? null,
    current: Array.isArray(a.current) ? a.current : Array.isArray(a.items) ? a.items : [],
    history: Array.isArray(a.history) ? a.history : [],
  };
}

function Evidence({ entry }: { entry: ConsentEntry }) {
  const parts = [
    entry.legal_basis && label(entry.legal_basis),
    entry.source && `via ${label(entry.source).toLowerCase()}`,
    entry.form_id && `form ${entry.form_id}`,
    entry.wording_version && `wording ${entry.wording_version}`,
    entry.confirmed_at && `confirmed ${when(entry.confirmed_at)}`,
    entry.actor !== undefined && (entry.actor ? `by ${entry.actor}` : "by the person"),
  ].filter(Boolean);
  return <>{parts.join(" · ")}</>;
}

export function ConsentPanel({ kind, sourceId }: { kind: "contact" | "lead"; sourceId: string }) {
  const can = useCan();
  const readable = can("campaigns:read");
  const [data, setData] = useState<State>({ state: "loading" });
  useEffect(() => {
    if (!readable) return;
    const controller = new AbortController();
    setData({ state: "loading" });
    (async () => {
      try {
        const person = await get<Person>(`/campaigns/people/by-source/${kind}/${sourceId}`, undefined, controller.signal);
        const consent = normalise(await get<unknown>(`/campaigns/consent/person/${person.id}`, undefined, controller.signal));
        setData({ state: "ready", person, consent });
      } catch (e) {
        if (controller.signal.aborted) return;
        if (e instanceof Problem && e.status === 404) setData({ state: "unknown" });
        else setData({ state: "error", error: e });
      }
    })();
    return () => controller.abort();
  }, [kind, sourceId, readable]);
  if (!readable) return null;
  return (
    <section className="panel" aria-labelledby="consent-heading">
      <h2 id="consent-heading">Consent</h2>
      {data.state === "loading" && <p className="muted">Loading…</p>}
      {data.state === "unknown" && <p className="muted">Marketing does not know this {kind} yet (it appears a moment after it is saved).</p>}
      {data.state === "error" && <FormAlert error={data.error} />}
      {data.state === "ready" && (
        <>
          {!data.consent.email && !data.person.email && <p className="muted">No email address: nothing can be agreed for email.</p>}
          {data.consent.current.length === 0 ? (
            <p className="muted">No consent recorded{data.person.email ? ` for ${data.person.email}` : ""}: marketing emails are not sent to it.</p>
          ) : (
            <ul className="plain consent-now" aria-label="Consent now">
              {data.consent.current.map((c) => (
                <li key={`${c.purpose}-${c.channel}`}>
                  <strong>{label(c.purpose)}</strong> ({c.channel}): <span className={`badge consent-${c.status}`}>{label(c.status)}</span>
                  <span className="muted"> since {when(c.at)}</span>
                  <div className="muted"><Evidence entry={c} /></div>
                </li>
              ))}
            </ul>
          )}
          {data.consent.history.length > 0 && (
            <details className="consent-history">
              <summary>History ({data.consent.history.length})</summary>
              <ol className="timeline" aria-label="Consent history">
                {data.consent.history.map((c, i) => (
                  <li key={c.id ?? i}>
                    <div className="meta">{when(c.at)}</div>
                    {label(c.purpose)} ({c.channel}): {c.previous_status ? <>{label(c.previous_status)} → </> : null}{label(c.status)}{" "}
                    <span className="muted"><Evidence entry={c} /></span>
                    {c.note && <div className="muted">{c.note}</div>}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </>
      )}
    </section>
  );
}
