// "Merge into another case": find the case this one duplicates by typing its
// number or part of its subject, confirm, and the conversation moves there.
import { useId, useState } from "react";
import { Link } from "react-router";
import { get, post, Problem } from "../../lib/api";
import { ChosenValue, SearchBox, useTypeahead } from "../../components/Typeahead";
import type { Page } from "../../components/records";
import { problemText } from "../orders/actions";
import type { Case, CaseSummary } from "./case";
import { CaseStatusBadge } from "./Clocks";

export function MergeCase({ c, done }: { c: Case; done: (target: CaseSummary) => void }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const [target, setTarget] = useState<CaseSummary | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const text = q.trim();
  const { hits, problem } = useTypeahead<CaseSummary>(text, open && !target && text.length >= 2, async (typed, signal) => {
    const page = await get<Page<CaseSummary>>("/cases", { q: typed, limit: 8 }, signal);
    return page.items.filter((x) => x.id !== c.id);
  }, c.id);
  if (!open) {
    return <div className="action"><button type="button" className="secondary" onClick={() => setOpen(true)}>Merge into another case</button></div>;
  }
  const merge = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (!target) {
      setError("Pick the case this one duplicates: type its number or part of its subject.");
      return;
    }
    setBusy(true);
    try {
      await post(`/cases/${c.id}/merge`, { target_id: target.id });
      done(target);
    } catch (e) {
      setError(e instanceof Problem && e.errors.target_id ? e.errors.target_id.join(" ") : problemText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="reason-form" onSubmit={merge} noValidate aria-label="Merge into another case">
      {target ? (
        <ChosenValue id={id} label="Merge into" title={target.number} error={error} onClear={() => { setTarget(null); setQ(""); }}>
          <Link to={`/cases/${target.id}`}>{target.number}</Link> {target.subject} <CaseStatusBadge status={target.status} />
        </ChosenValue>
      ) : (
        <SearchBox id={id} label="Merge into" q={q} onQ={setQ} placeholder="Case number or subject" error={error}
          hint="This case's messages move to the one you pick; this case is closed as merged." problem={problem}
          hits={hits} text={text} empty="No other case matches" listLabel="Cases matching" hitKey={(hit) => hit.id}>
          {(hit) => (
            <button type="button" className="secondary" onClick={() => { setTarget(hit); setError(undefined); }}>
              {hit.number} · {hit.subject} <span className="muted">({hit.status})</span>
            </button>
          )}
        </SearchBox>
      )}
      <div className="actions">
        <button type="submit" className="danger" disabled={busy}>Merge {c.number}{target ? ` into ${target.number}` : ""}</button>
        <button type="button" className="secondary" onClick={() => { setOpen(false); setTarget(null); setQ(""); setError(undefined); }}>Keep it apart</button>
      </div>
    </form>
  );
}
