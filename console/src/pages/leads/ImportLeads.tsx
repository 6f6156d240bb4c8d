// CSV import with live progress and the rows that failed, with their reasons.
import { useEffect, useRef, useState } from "react";
import { describe, get, request } from "../../lib/api";
import { plural } from "../../lib/format";
import { FormAlert } from "../../components/forms";

/** A random key for the upload; crypto.randomUUID exists only on secure origins (https, localhost). */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface Job {
  id: string;
  status: string;
  filename: string | null;
  rows_received: number;
  rows_done: number;
  rows_created: number;
  rows_failed: number;
  rows_per_second: number | null;
  error: string | null;
}

interface RowError {
  row: number;
  errors: Record<string, string[] | string>;
}

export function ImportLeads() {
  const [job, setJob] = useState<Job>();
  const [errors, setErrors] = useState<RowError[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const stop = useRef<AbortController>(undefined);
  useEffect(() => () => stop.current?.abort(), []);

  const upload = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const file = (event.currentTarget.elements.namedItem("file") as HTMLInputElement).files?.[0];
    if (!file) {
      setProblem(new Error("Pick a CSV file first."));
      return;
    }
    setProblem(undefined);
    setErrors([]);
    setBusy(true);
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    try {
      let current = (await request<Job>("/leads/imports", {
        method: "POST", query: { filename: file.name }, raw: file,
        headers: { "Content-Type": "text/csv", "Idempotency-Key": randomKey() }, signal: controller.signal,
      })).data;
      setJob(current);
      while (current.status === "receiving" || current.status === "processing") {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (controller.signal.aborted) return;
        current = await get<Job>(`/leads/imports/${current.id}`, undefined, controller.signal);
        setJob(current);
      }
      if (current.rows_failed) {
        const page = await get<{ items: RowError[] }>(`/leads/imports/${current.id}/errors`, { limit: 100 }, controller.signal);
        setErrors(page.items);
      }
    } catch (e) {
      if (!controller.signal.aborted) setProblem(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Import leads</h1>
      <form className="panel" onSubmit={upload} aria-label="Import a CSV file">
        <p className="muted">A CSV file with a header row: first_name, last_name, email, phone, company, title, country, source, owner, notes…
          Rows that cannot be read are listed with their reason; the others are created.</p>
        <div className="field">
          <label htmlFor="import-file">CSV file</label>
          <input id="import-file" name="file" type="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit" disabled={busy}>{busy ? "Importing…" : "Import"}</button>
      </form>
      <FormAlert error={problem ? describe(problem) : undefined} />
      {job && (
        <section className="panel" aria-live="polite" aria-label="Import progress">
          <h2>{job.filename ?? "Import"}: {job.status}</h2>
          <progress max={job.rows_received || 1} value={job.rows_done} aria-label="Rows processed" />
          <p>{job.rows_done.toLocaleString()} of {plural(job.rows_received, "row")} · {job.rows_created.toLocaleString()} created ·{" "}
            {job.rows_failed.toLocaleString()} failed{job.rows_per_second ? ` · ${Math.round(job.rows_per_second)} rows/s` : ""}</p>
          {job.error && <p className="error">{job.error}</p>}
        </section>
      )}
      {errors.length > 0 && (
        <div className="table-wrap">
          <table className="list">
            <caption>Rows not imported</caption>
            <thead><tr><th scope="col">Row</th><th scope="col">Why</th></tr></thead>
            <tbody>
              {errors.map((e) => (
                <tr key={e.row}>
                  <td data-label="Row">{e.row}</td>
                  <td data-label="Why">{Object.entries(e.errors).map(([f, m]) => `${f}: ${([] as string[]).concat(m as string[]).join(" ")}`).join("; ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
