// Picking an account: type part of its name or domain, then choose among the
// matches (GET /accounts?q=...). Two labelled plain controls, so keyboards and
// screen readers need nothing special.
import { useEffect, useId, useState } from "react";
import { get } from "../../lib/api";
import { SelectField } from "../../components/forms";
import type { Page } from "../../components/records";
import { accountName, knowAccountNames, type Account } from "./account";

interface Props {
  label?: string;
  /** The chosen account's id ("" for none). */
  value: string;
  onChange: (id: string) => void;
  error?: string;
  hint?: string;
  /** Accounts that may not be chosen (an account cannot be its own parent). */
  exclude?: string[];
  placeholder?: string;
  name?: string;
}

function describeAccount(a: Account): string {
  return [a.name, a.domain, a.country].filter(Boolean).join(" · ");
}

export function AccountPicker({ label = "Account", value, onChange, error, hint, exclude = [], placeholder = "Pick an account", name }: Props) {
  const searchId = useId();
  const [text, setText] = useState("");
  const [matches, setMatches] = useState<Account[]>([]);
  const [chosenName, setChosenName] = useState<string | null>(null);
  const [searchError, setSearchError] = useState<string>();
  // The first matches are fetched when the picker is first used, not when a page shows it.
  const [active, setActive] = useState(false);

  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    const q = text.trim();
    const timer = window.setTimeout(() => {
      get<Page<Account>>("/accounts", { q: q || undefined, limit: 20 }, controller.signal)
        .then((page) => {
          knowAccountNames(page.items);
          setMatches(page.items);
          setSearchError(undefined);
        })
        .catch((e) => {
          if (!controller.signal.aborted) setSearchError(e instanceof Error ? e.message : String(e));
        });
    }, q ? 250 : 0);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [text, active]);

  useEffect(() => {
    let live = true;
    if (value) accountName(value).then((n) => live && setChosenName(n));
    else setChosenName(null);
    return () => {
      live = false;
    };
  }, [value]);

  const options = matches.filter((a) => !exclude.includes(a.id)).map((a) => ({ value: a.id, label: describeAccount(a) }));
  if (value && !options.some((o) => o.value === value)) {
    options.unshift({ value, label: chosenName ?? "The chosen account" });
  }
  return (
    <div className="picker">
      <div className="field">
        <label htmlFor={searchId}>Find {label.toLowerCase()}</label>
        <input id={searchId} type="search" value={text} onChange={(e) => { setActive(true); setText(e.target.value); }}
          onFocus={() => setActive(true)} autoComplete="off"
          placeholder="Part of the name or domain" aria-describedby={searchError ? `${searchId}-error` : undefined} />
        {searchError && <small id={`${searchId}-error`} className="field-error">{searchError}</small>}
      </div>
      <SelectField label={label} name={name} value={value} onChange={(e) => onChange(e.target.value)} error={error}
        onFocus={() => setActive(true)}
        hint={hint ?? (text.trim() ? `${matches.length} matching: choose one here.` : undefined)} options={options} placeholder={placeholder} />
    </div>
  );
}
