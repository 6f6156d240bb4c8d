// SLA clocks as they read: time left in business hours, overdue in red,
// paused ones marked "paused", met ones ticked; and the case status and
// priority badges every cases screen shows.
import { label, when } from "../../lib/format";
import { clockState, clockText, metricLabel, nextClock, type Case, type CaseStatus, type Clock } from "./case";

export function CaseStatusBadge({ status }: { status: CaseStatus }) {
  return <span className={`badge cs-${status}`}>{label(status)}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge pr-${priority}`}>{label(priority)}</span>;
}

/** One clock's state as a small badge: "2 h 05 min left", "overdue by 15 min", "paused · 3 h left". */
export function ClockBadge({ clock, status, withMetric = false }: { clock: Clock; status: CaseStatus; withMetric?: boolean }) {
  const state = clockState(clock, status);
  const text = clockText(clock, status);
  return (
    <span className={`clock clock-${state}`} title={clock.due_at && state !== "paused" ? `Due ${when(clock.due_at)}` : undefined}>
      {withMetric && <span className="clock-metric">{metricLabel(clock.metric)}: </span>}
      {text}
    </span>
  );
}

/** The list's "time left" cell: the most urgent open clock, or "—" (no SLA, or everything met). */
export function NextClock({ c, quiet = false }: { c: Pick<Case, "sla" | "status">; quiet?: boolean }) {
  const clock = nextClock(c);
  if (!clock) {
    if (quiet) return null;
    const all = c.sla ?? [];
    return <span className="muted">{all.length && all.every((k) => k.achieved_at) ? "All met" : "—"}</span>;
  }
  return <ClockBadge clock={clock} status={c.status} withMetric />;
}

/** Every clock of a case, as a small table (the case page's "SLA" panel). */
export function ClockTable({ c }: { c: Case }) {
  const clocks = c.sla ?? [];
  return (
    <section className="panel" aria-labelledby="sla-heading">
      <h2 id="sla-heading">SLA</h2>
      {clocks.length === 0 ? <p className="muted">No SLA policy applies to this case.</p> : (
        <dl className="facts sla-clocks">
          {clocks.map((clock) => (
            <div key={clock.metric} className="fact">
              <dt>{metricLabel(clock.metric)}</dt>
              <dd>
                <ClockBadge clock={clock} status={c.status} />
                <span className="muted clock-detail">
                  {clock.achieved_at ? ` · ${when(clock.achieved_at)}` : clock.due_at && clockState(clock, c.status) !== "paused"
                    ? ` · due ${when(clock.due_at)}` : ""}
                </span>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {(c.status === "pending" || c.status === "on_hold") && clocks.some((k) => !k.achieved_at) && (
        <p className="muted">The clocks stand still while the case is {label(c.status).toLowerCase()}; they run on when it is opened again.</p>
      )}
    </section>
  );
}
