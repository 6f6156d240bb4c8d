// A record's fields, edited in place: "Edit" turns the facts into a form that
// PATCHes only what changed, with If-Match (a stale edit is told, not lost).
import { useState, type ReactNode } from "react";
import { useForm } from "react-hook-form";
import { Problem, request } from "../lib/api";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "./forms";
import { OwnerSelect } from "./records";

export interface FactField {
  name: string;
  label: string;
  /** text (default), email, tel, number, date, textarea, select, owner, country,
   * lines (a list of strings, one a line), boolean (yes / no) */
  type?: "text" | "email" | "tel" | "number" | "date" | "textarea" | "select" | "owner" | "country" | "lines" | "boolean";
  options?: { value: string; label: string }[];
  hint?: string;
  /** How the value shows when not editing. */
  show?: (record: any) => ReactNode;
  /** Shown but never edited here. */
  readOnly?: boolean;
}

interface Props {
  title?: string;
  record: Record<string, any>;
  fields: FactField[];
  /** The API path PATCHed, e.g. /leads/<id>. */
  path: string;
  etag?: string;
  canEdit: boolean;
  onSaved: (answer: { data: any; etag?: string }) => void;
}

function toForm(value: unknown, type?: string): string {
  if (value === null || value === undefined) return "";
  if (type === "date" && typeof value === "string") return value.slice(0, 10);
  if (type === "lines" && Array.isArray(value)) return value.join("\n");
  if (type === "boolean") return value ? "true" : "false";
  return String(value);
}

function fromForm(value: string, type?: string): unknown {
  if (type === "lines") return value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (type === "boolean") return value === "true";
  const text = value.trim();
  if (text === "") return null;
  if (type === "number") return Number(text);
  return text;
}

/** An error on one item of a list field ("phones.1") names the item it is about. */
function showLineErrors(problem: Problem, changes: Record<string, unknown>, setError: (name: string, error: { type: string; message: string }) => void) {
  const byField: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(problem.errors)) {
    const [field, index] = key.split(".");
    const list = changes[field];
    if (!Array.isArray(list) || index === undefined || !/^\d+$/.test(index)) continue;
    (byField[field] ??= []).push(`“${String(list[Number(index)] ?? "")}”: ${messages.join(" ")}`);
  }
  for (const [field, messages] of Object.entries(byField)) setError(field, { type: "server", message: messages.join(" ") });
}

export function EditableFacts({ title = "Details", record, fields, path, etag, canEdit, onSaved }: Props) {
  const [editing, setEditing] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const editable = fields.filter((f) => !f.readOnly);
  const defaults = Object.fromEntries(editable.map((f) => [f.name, toForm(record[f.name], f.type)]));
  const { register, handleSubmit, setError, reset, formState } = useForm<Record<string, string>>({ values: defaults });

  const submit = async (values: Record<string, string>) => {
    setGeneral([]);
    setStale(false);
    const changes: Record<string, unknown> = {};
    for (const field of editable) {
      const before = toForm(record[field.name], field.type);
      if ((values[field.name] ?? "") !== before) changes[field.name] = fromForm(values[field.name] ?? "", field.type);
    }
    if (Object.keys(changes).length === 0) {
      setEditing(false);
      return;
    }
    try {
      const answer = await request(path, { method: "PATCH", body: changes, ifMatch: etag ?? `"${record.version}"` });
      setEditing(false);
      onSaved({ data: answer.data, etag: answer.etag });
    } catch (e) {
      if (e instanceof Problem && e.status === 412) setStale(true);
      else {
        setGeneral(applyProblem(e, setError, editable.map((f) => f.name)));
        if (e instanceof Problem) showLineErrors(e, changes, setError);
      }
    }
  };

  if (!editing) {
    return (
      <section className="panel" aria-label={title}>
        <div className="page-head">
          <h2>{title}</h2>
          {canEdit && <button type="button" className="secondary" onClick={() => { reset(defaults); setEditing(true); }}>Edit {title.toLowerCase()}</button>}
        </div>
        <dl className="facts">
          {fields.map((f) => (
            <div key={f.name} className="fact">
              <dt>{f.label}</dt>
              <dd>{f.show ? f.show(record) : record[f.name] === null || record[f.name] === undefined || record[f.name] === "" ? "—" : String(record[f.name])}</dd>
            </div>
          ))}
        </dl>
      </section>
    );
  }

  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-label={`Edit ${title.toLowerCase()}`}>
      <h2>Edit {title.toLowerCase()}</h2>
      <div className="form-grid">
        {editable.map((f) => {
          const error = formState.errors[f.name]?.message as string | undefined;
          const props = { label: f.label, error, hint: f.hint, ...register(f.name) };
          if (f.type === "textarea") return <TextArea key={f.name} {...props} />;
          if (f.type === "lines") return <TextArea key={f.name} {...props} hint={f.hint ?? "One a line."} />;
          if (f.type === "boolean") {
            return <SelectField key={f.name} {...props} options={[{ value: "true", label: "Yes" }, { value: "false", label: "No" }]} />;
          }
          if (f.type === "select") return <SelectField key={f.name} {...props} options={f.options ?? []} placeholder="—" />;
          if (f.type === "owner") return <OwnerSelect key={f.name} {...props} current={record[f.name]} />;
          if (f.type === "country") {
            return <TextField key={f.name} {...props} maxLength={2} autoCapitalize="characters"
              hint={f.hint ?? "Two-letter ISO 3166 code, e.g. DE, US, GB."} />;
          }
          return <TextField key={f.name} {...props} type={f.type ?? "text"} />;
        })}
      </div>
      {stale && (
        <div role="alert" className="alert error">
          <p>Someone changed this record after you opened it, so your edit was not saved.</p>
          <p><a href={window.location.href}>Reload the page</a> to see their change, then edit again.</p>
        </div>
      )}
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Save</button>
        <button type="button" className="secondary" onClick={() => { setEditing(false); setGeneral([]); setStale(false); }}>Cancel</button>
      </div>
    </form>
  );
}
