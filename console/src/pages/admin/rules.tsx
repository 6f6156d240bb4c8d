// What the scoring and the assignment rule pages share: the changes history
// (each version, who saved it, what it added, removed or changed), the guard
// against leaving with unsaved edits, and the leads a preview is tried on.
import { useEffect, useState } from "react";
import { useBlocker } from "react-router";
import { get } from "../../lib/api";
import { when } from "../../lib/format";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";

export interface RuleBase {
  id: string;
  name: string;
}

export interface RulesState<R> {
  rules: R[];
  changed_by: string | null;
  changed_at: string | null;
}

export interface RulesVersion<R> {
  version: number;
  changed_by: string | null;
  changed_at: string;
  rules: R[];
}

/** What one version did to the one before it, in words. */
function difference<R extends RuleBase>(newer: R[], older: R[] | undefined): string[] {
  if (!older) return [];
  const before = new Map(older.map((r) => [r.id, r]));
  const after = new Map(newer.map((r) => [r.id, r]));
  const out: string[] = [];
  for (const rule of newer) {
    const old = before.get(rule.id);
    if (!old) out.push(`added “${rule.name}”`);
    else if (JSON.stringify(old) !== JSON.stringify(rule)) out.push(`changed “${rule.name}”`);
  }
  for (const rule of older) if (!after.has(rule.id)) out.push(`removed “${rule.name}”`);
  const order = (rules: R[]) => rules.filter((r) => before.has(r.id) && after.has(r.id)).map((r) => r.id).join();
  if (out.length === 0 && order(newer) !== order(older)) out.push("reordered the rules");
  return out;
}

/** The changes of a rule set, newest first; each may be loaded into the editor (`onUse`). */
export function RulesChanges<R extends RuleBase>({ path, describeRule, onUse, reload }: {
  path: string;
  describeRule: (rule: R) => string;
  onUse?: (version: RulesVersion<R>) => void;
  reload: number;
}) {
  const [items, setItems] = useState<RulesVersion<R>[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>();
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<RulesVersion<R>>>(path, { limit: 10, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setLoaded(true);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, reload]);
  return (
    <section className="panel" aria-labelledby="changes-heading">
      <h2 id="changes-heading">Changes</h2>
      <FormAlert error={error} />
      {loaded && items.length === 0 && <p className="muted">No one has changed the rules yet: the defaults are in force.</p>}
      <ol className="timeline">
        {items.map((item, index) => {
          const diff = difference(item.rules, items[index + 1]?.rules);
          return (
            <li key={item.version}>
              <div className="meta">Version {item.version} · {when(item.changed_at)} · {item.changed_by ?? "system"}</div>
              <p>
                {item.rules.length} {item.rules.length === 1 ? "rule" : "rules"}
                {diff.length > 0 && <>: {diff.join(", ")}</>}
                {index === 0 && <> · <span className="badge won">In force</span></>}
              </p>
              <details>
                <summary>The rules of version {item.version}</summary>
                <ol className="rule-list">
                  {item.rules.map((rule) => <li key={rule.id}>{describeRule(rule)}</li>)}
                </ol>
              </details>
              {onUse && index > 0 && (
                <button type="button" className="secondary" onClick={() => onUse(item)}>Edit from version {item.version}</button>
              )}
            </li>
          );
        })}
      </ol>
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older changes</button>}
    </section>
  );
}

/** Asks before leaving the page while `dirty` (unsaved edits of `what`: "the rules"). */
export function LeaveGuard({ dirty, what = "the rules" }: { dirty: boolean; what?: string }) {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  if (blocker.state !== "blocked") return null;
  return (
    <div role="alertdialog" aria-labelledby="leave-heading" className="alert warn leave-guard">
      <p id="leave-heading"><strong>Your edits of {what} are not saved.</strong> Leave anyway and lose them?</p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => blocker.proceed()}>Leave without saving</button>
        <button type="button" className="secondary" autoFocus onClick={() => blocker.reset()}>Stay and keep editing</button>
      </div>
    </div>
  );
}

/**
 * Lead ids (or lead page addresses) typed or pasted by a person -> the ids a
 * preview is tried on (none: the API's five newest leads).
 */
export function leadIds(text: string): string[] | undefined {
  const uuids = text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi);
  const ids = uuids ?? text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
  return ids.length ? ids : undefined;
}

/** A preview's lead: name, company or email. */
export function previewLeadName(item: { name: string | null; company: string | null; email: string | null; lead_id: string }): string {
  return item.name || item.company || item.email || item.lead_id.slice(0, 8);
}
