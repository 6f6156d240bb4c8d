// Saved views of a list: the built-in ones ("My leads") and the person's own,
// each a query string; "Save this view" keeps the current filters and sort.
import { useState } from "react";
import { Link, useLocation } from "react-router";
import { del, describe, post } from "../lib/api";

export interface SavedView {
  id: string | null;
  list: string;
  name: string;
  query: string;
  builtin: boolean;
}

function same(a: string, b: string): boolean {
  const norm = (q: string) => {
    const p = new URLSearchParams(q);
    p.delete("cursor");
    p.sort();
    return p.toString();
  };
  return norm(a) === norm(b);
}

export function SavedViews({ list, views, onSaved }: { list: string; views: SavedView[]; onSaved: () => void; me?: string }) {
  const location = useLocation();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const current = location.search.replace(/^\?/, "");
  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const query = new URLSearchParams(current);
    query.delete("cursor");
    try {
      await post("/views", { list, name: name.trim(), query: query.toString() });
      setNaming(false);
      setName("");
      onSaved();
    } catch (e) {
      setError(describe(e));
    }
  };
  const remove = async (view: SavedView) => {
    try {
      await del(`/views/${view.id}`);
      onSaved();
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <div className="saved-views">
      <ul className="counts" aria-label="Saved views">
        {views.map((view) => (
          <li key={view.id ?? view.name}>
            <Link to={`?${view.query}`} aria-current={same(view.query, current) ? "true" : undefined}>{view.name}</Link>
            {!view.builtin && view.id && (
              <button type="button" className="link" aria-label={`Delete the view ${view.name}`} onClick={() => remove(view)}>×</button>
            )}
          </li>
        ))}
        <li>
          {!naming && <button type="button" className="link" onClick={() => setNaming(true)}>Save this view…</button>}
        </li>
      </ul>
      {naming && (
        <form onSubmit={save} className="toolbar" aria-label="Save this view">
          <div className="field">
            <label htmlFor={`view-name-${list}`}>Name of the view</label>
            <input id={`view-name-${list}`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus
              aria-invalid={error ? true : undefined} aria-describedby={error ? `view-error-${list}` : undefined} />
            {error && <small id={`view-error-${list}`} className="field-error">{error}</small>}
          </div>
          <button type="submit" disabled={!name.trim()}>Save view</button>
          <button type="button" className="secondary" onClick={() => { setNaming(false); setError(undefined); }}>Cancel</button>
        </form>
      )}
      {!naming && error && <p role="alert" className="alert error">{error}</p>}
    </div>
  );
}
