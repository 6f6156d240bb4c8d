// Pick one of the people campaigns can reach (contacts and leads) by typing a
// part of the name or email: GET /campaigns/people?q= answers as you type.
import { useId, useState } from "react";
import { get } from "../../lib/api";
import { label } from "../../lib/format";
import { ChosenValue, SearchBox, useTypeahead } from "../../components/Typeahead";
import { personName, type Person } from "./campaign";

export function PersonPicker({ label: text, value, onChange, error, hint }: {
  label: string; value: Person | null; onChange: (p: Person | null) => void; error?: string; hint?: string;
}) {
  const id = useId();
  const [q, setQ] = useState("");
  const typed = q.trim();
  const { hits, problem } = useTypeahead<Person>(typed, !value && typed.length >= 2, async (t, signal) =>
    (await get<{ items: Person[] }>("/campaigns/people", { q: t, limit: 8 }, signal)).items, "people");
  if (value) {
    return (
      <ChosenValue id={id} label={text} title={personName(value)} error={error} onClear={() => { onChange(null); setQ(""); }}>
        {personName(value)} <span className="muted">({label(value.kind)}{value.email ? `, ${value.email}` : ""})</span>
      </ChosenValue>
    );
  }
  return (
    <SearchBox id={id} label={text} q={q} onQ={setQ} placeholder="Type a name or email" error={error} hint={hint}
      problem={problem} hits={hits} text={typed} empty="Nobody found for" listLabel="People matching" hitKey={(p) => p.id}>
      {(p) => (
        <button type="button" className="secondary" onClick={() => onChange(p)}>
          <span className="badge">{label(p.kind)}</span> {personName(p)}{p.email && <span className="muted"> · {p.email}</span>}
        </button>
      )}
    </SearchBox>
  );
}
