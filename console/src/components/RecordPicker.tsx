// Pick a lead, account, contact or opportunity by typing part of its name,
// email, phone or domain: the global search (GET /search) answers as you type.
import { useId, useState } from "react";
import { Link } from "react-router";
import { get } from "../lib/api";
import { ChosenValue, SearchBox, useTypeahead } from "./Typeahead";

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
  const text = q.trim();
  const { hits, problem } = useTypeahead<SearchHit>(text, !value && text.length >= 2, async (typed, signal) => {
    const answer = await get<SearchResults>("/search", { q: typed, limit: 5 }, signal);
    return kinds.flatMap((kind) => answer.results[kind] ?? []);
  }, kinds.join());

  if (value) {
    return (
      <ChosenValue id={id} label={label} title={value.title} error={error} onClear={() => { onChange(null); setQ(""); }}>
        {KIND_NAME[value.kind]}: <Link to={`/${value.kind}/${value.id}`}>{value.title}</Link>
      </ChosenValue>
    );
  }
  return (
    <SearchBox id={id} label={label} q={q} onQ={setQ} placeholder="Type a name, email, phone or domain" error={error}
      hint={hint} problem={problem} hits={hits} text={text} empty="Nothing found for" listLabel="Records matching"
      hitKey={(hit) => `${hit.kind}-${hit.id}`}>
      {(hit) => (
        <button type="button" className="secondary" onClick={() => onChange({ kind: hit.kind, id: hit.id, title: hit.title })}>
          <span className="badge">{KIND_NAME[hit.kind]}</span> {hit.title}
          {hit.subtitle && <span className="muted"> · {hit.subtitle}</span>}
        </button>
      )}
    </SearchBox>
  );
}
