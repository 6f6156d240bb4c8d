// Pick a lead, account, contact or opportunity by typing part of its name,
// email, phone or domain: the global search (GET /search) answers as you type.
import { useEffect, useId, useState } from "react";
import { Link } from "react-router";
import { describe, get } from "../lib/api";

export type PickedKind = "leads" | "accounts" | "contacts" | "opportunities";

export interface Picked {
  kind: PickedKind;
  id: string;
  title: string;
}

export interface SearchHit {
  id: string;
  kind: PickedKind;
  title: string;
  subtitle: string;
  matched: string;
}

export interface SearchResults {
  q: string;
  results: Partial<Record<PickedKind, SearchHit[]>>;
  unavailable: PickedKind[];
}

export const KIND_ORDER: PickedKind[] = ["leads", "accounts", "contacts", "opportunities"];
export const KIND_NAME: Record<PickedKind, string> = {
  leads: "Lead", accounts: "Account", contacts: "Contact", opportunities: "Opportunity",
};

interface Props {
  label: string;
  value: Picked | null;
  onChange: (value: Picked | null) => void;
  kinds?: PickedKind[];
  error?: string;
  hint?: string;
}

export function RecordPicker({ label, value, onChange, kinds = KIND_ORDER, error, hint }: Props) {
  const id = useId();
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [problem, setProblem] = useState<string>();
  const text = q.trim();

  useEffect(() => {
    if (value || text.length < 2) {
      setHits(null);
      setProblem(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(async () => {
      try {
        const answer = await get<SearchResults>("/search", { q: text, limit: 5 }, controller.signal);
        setHits(kinds.flatMap((kind) => answer.results[kind] ?? []));
        setProblem(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setProblem(describe(e));
      }
    }, 250);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, value, kinds.join()]);

  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  if (value) {
    return (
      <div className={error ? "field invalid" : "field"} role="group" aria-labelledby={`${id}-label`}>
        <span id={`${id}-label`} className="label">{label}</span>
        <p className="picked">
          {KIND_NAME[value.kind]}: <Link to={`/${value.kind}/${value.id}`}>{value.title}</Link>{" "}
          <button type="button" className="link" onClick={() => { onChange(null); setQ(""); }}
            aria-label={`Change ${label.toLowerCase()}: ${value.title}`}>
            Change
          </button>
        </p>
        {error && <small id={`${id}-error`} className="field-error">{error}</small>}
      </div>
    );
  }
  return (
    <div className={error ? "field invalid record-picker" : "field record-picker"}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off"
        placeholder="Type a name, email, phone or domain" aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
      {hint && <small id={`${id}-hint`} className="hint">{hint}</small>}
      {error && <small id={`${id}-error`} className="field-error">{error}</small>}
      <div aria-live="polite">
        {problem && <p className="error">{problem}</p>}
        {hits && hits.length === 0 && <p className="muted">Nothing found for “{text}”.</p>}
        {hits && hits.length > 0 && (
          <ul className="picker-hits" aria-label={`Records matching ${text}`}>
            {hits.map((hit) => (
              <li key={`${hit.kind}-${hit.id}`}>
                <button type="button" className="secondary" onClick={() => onChange({ kind: hit.kind, id: hit.id, title: hit.title })}>
                  <span className="badge">{KIND_NAME[hit.kind]}</span> {hit.title}
                  {hit.subtitle && <span className="muted"> · {hit.subtitle}</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
