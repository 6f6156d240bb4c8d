// A block of the start page: it loads its own data, so one that fails says why
// (with "Try again") while the others still show.
import { useEffect, useId, useState, type ReactNode } from "react";
import { describe, isAbort } from "../../lib/api";

interface Props<T> {
  title: string;
  /** Loads the block's data; called again by "Try again" and by `reload`. */
  load: (signal: AbortSignal) => Promise<T>;
  /** What the data shows as; `reload` loads it again (after a change). */
  children: (data: T, reload: () => void) => ReactNode;
  /** Links under the heading (to the full list). */
  more?: ReactNode;
  className?: string;
}

export function Block<T>({ title, load, children, more, className }: Props<T>) {
  const id = useId();
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((old) => ({ ...old, loading: true }));
    load(controller.signal)
      .then((data) => setState({ data, loading: false }))
      .catch((error) => {
        if (!controller.signal.aborted && !isAbort(error)) setState({ error, loading: false });
      });
    return () => controller.abort();
    // The block loads once, and again when asked (round).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [round]);
  const reload = () => setRound((n) => n + 1);
  return (
    <section className={`panel block ${className ?? ""}`} aria-labelledby={id} aria-busy={state.loading}>
      <div className="block-head">
        <h2 id={id}>{title}</h2>
        {more}
      </div>
      {state.error !== undefined ? (
        <div role="alert" className="alert error">
          <p>This part could not be loaded: {describe(state.error)}</p>
          <button type="button" className="secondary" onClick={reload}>Try again</button>
        </div>
      ) : state.data === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        children(state.data, reload)
      )}
    </section>
  );
}
