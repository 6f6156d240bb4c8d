// What every "pick a record by typing" field shares: the look-up as you type
// (debounced, the older request aborted), the chosen value with its "Change"
// button, and the search box with its matches. RecordPicker (the global
// search) and ProductPicker (the catalog) are built from these.
import { useEffect, useState, type ReactNode } from "react";
import { describe } from "../lib/api";

const DEBOUNCE_MS = 250;

/** The matches of ``text`` (null while there is nothing to look up), and the
 * reason a look-up failed; ``key`` names what else the look-up depends on. */
export function useTypeahead<T>(text: string, enabled: boolean, load: (text: string, signal: AbortSignal) => Promise<T[]>,
  key: string): { hits: T[] | null; problem?: string } {
  const [hits, setHits] = useState<T[] | null>(null);
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    if (!enabled) {
      setHits(null);
      setProblem(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(async () => {
      try {
        setHits(await load(text, controller.signal));
        setProblem(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setProblem(describe(e));
      }
    }, DEBOUNCE_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, enabled, key]);
  return { hits, problem };
}

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
}

/** The chosen value, with a button to choose another. */
export function ChosenValue({ id, label, title, error, onClear, children }: {
  id: string; label: string; title: string; error?: string; onClear: () => void; children: ReactNode;
}) {
  return (
    <div className={error ? "field invalid" : "field"} role="group" aria-labelledby={`${id}-label`}>
      <span id={`${id}-label`} className="label">{label}</span>
      <p className="picked">
        {children}{" "}
        <button type="button" className="link" onClick={onClear} aria-label={`Change ${label.toLowerCase()}: ${title}`}>
          Change
        </button>
      </p>
      {error && <small id={`${id}-error`} className="field-error">{error}</small>}
    </div>
  );
}

/** The search box and, below it, the look-up's problem, "nothing found" or the matches. */
export function SearchBox<T>({ id, label, q, onQ, placeholder, error, hint, problem, hits, text, empty, listLabel, hitKey, children }: {
  id: string; label: string; q: string; onQ: (q: string) => void; placeholder: string; error?: string; hint?: string;
  problem?: string; hits: T[] | null; text: string; empty: string; listLabel: string; hitKey: (hit: T) => string;
  children: (hit: T) => ReactNode;
}) {
  return (
    <div className={error ? "field invalid record-picker" : "field record-picker"}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={q} onChange={(e) => onQ(e.target.value)} autoComplete="off"
        placeholder={placeholder} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error)} />
      {hint && <small id={`${id}-hint`} className="hint">{hint}</small>}
      {error && <small id={`${id}-error`} className="field-error">{error}</small>}
      <div aria-live="polite">
        {problem && <p className="error">{problem}</p>}
        {hits && hits.length === 0 && <p className="muted">{empty} “{text}”.</p>}
        {hits && hits.length > 0 && (
          <ul className="picker-hits" aria-label={`${listLabel} ${text}`}>
            {hits.map((hit) => <li key={hitKey(hit)}>{children(hit)}</li>)}
          </ul>
        )}
      </div>
    </div>
  );
}
