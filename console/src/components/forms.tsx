// Labelled fields whose errors are the server's own words, next to the field.
import { useId, type ReactNode, type InputHTMLAttributes, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { describe, Problem } from "../lib/api";

interface FieldProps {
  label: string;
  error?: string;
  hint?: ReactNode;
  children: (props: { id: string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}

/** A label, the control, a hint and the error, wired together for assistive technology. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {hint && <small id={hintId} className="hint">{hint}</small>}
      {error && <small id={errorId} className="field-error">{error}</small>}
    </div>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode };

export function TextField({ label, error, hint, ...input }: InputProps) {
  return <Field label={label} error={error} hint={hint}>{(aria) => <input {...input} {...aria} />}</Field>;
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  error?: string;
  hint?: ReactNode;
  options: { value: string; label: string }[];
  placeholder?: string;
};

export function SelectField({ label, error, hint, options, placeholder, ...select }: SelectProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(aria) => (
        <select {...select} {...aria}>
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </Field>
  );
}

type AreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string; hint?: ReactNode };

export function TextArea({ label, error, hint, ...area }: AreaProps) {
  return <Field label={label} error={error} hint={hint}>{(aria) => <textarea {...area} {...aria} />}</Field>;
}

/** The message for the whole form (role=alert, so it is read out), with what to do. */
export function FormAlert({ error, children }: { error?: unknown; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div role="alert" className="alert error">
      {error !== undefined && error !== null && <p>{describe(error)}</p>}
      {children}
    </div>
  );
}

/**
 * Puts a server problem's field errors on the form's fields. Returns the
 * problem's messages that match no field (they go in the form's alert).
 * `fields` maps API field names to form field names where they differ.
 */
export function applyProblem<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  known: string[],
  fields: Record<string, string> = {},
): string[] {
  if (!(error instanceof Problem)) return [describe(error)];
  const rest: string[] = [];
  let placed = false;
  for (const [field, messages] of Object.entries(error.errors)) {
    const name = fields[field] ?? fields[field.split(".")[0]] ?? field.split(".")[0];
    if (field !== "_schema" && known.includes(name)) {
      setError(name as Path<T>, { type: "server", message: messages.join(" ") });
      placed = true;
    } else {
      rest.push(...messages.map((m) => (field === "_schema" ? m : `${field}: ${m}`)));
    }
  }
  if (!placed && rest.length === 0) rest.push(describe(error));
  return rest;
}
