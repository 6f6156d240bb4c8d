// Small pieces the document pages' actions share: a button that runs one
// request and says why it failed, and a "reason" form that opens in place.
import { useState, type ReactNode } from "react";
import { describe, Problem } from "../../lib/api";
import { FormAlert, TextArea } from "../../components/forms";

/** Runs `work` with the button disabled meanwhile; the error shows under the button (role=alert). */
export function ActionButton({ children, work, className, done }: {
  children: ReactNode;
  work: () => Promise<unknown>;
  className?: string;
  done?: (result: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await work();
      done?.(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="action">
      <button type="button" className={className} disabled={busy} onClick={run}>{children}</button>
      {error !== undefined && <p role="alert" className="field-error">{problemText(error)}</p>}
    </div>
  );
}

/** A problem's field messages and detail as one text (for errors that belong to no form field). */
export function problemText(error: unknown): string {
  if (error instanceof Problem) {
    const fields = Object.entries(error.errors).flatMap(([, messages]) => messages);
    const text = fields.length ? fields.join(" ") : describe(error);
    return error.status === 403 ? describe(error) : text;
  }
  return describe(error);
}

/** "Cancel the order" / "Reject": a button that opens a form asking for a reason, then runs `work(reason)`. */
export function ReasonAction({ open: openLabel, submit, label, hint, required = true, work, done, field = "reason", danger }: {
  open: string;
  submit: string;
  label: string;
  hint?: string;
  required?: boolean;
  work: (reason: string) => Promise<unknown>;
  done: (result: unknown) => void;
  field?: string;
  danger?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [fieldError, setFieldError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!open) {
    return <div className="action"><button type="button" className="secondary" onClick={() => setOpen(true)}>{openLabel}</button></div>;
  }
  const go = async (event: React.FormEvent) => {
    event.preventDefault();
    setFieldError(undefined);
    setError(undefined);
    if (required && !reason.trim()) {
      setFieldError(`Say why, in a few words (${hint ?? "it is kept with the record"}).`);
      return;
    }
    setBusy(true);
    try {
      const result = await work(reason.trim());
      setOpen(false);
      setReason("");
      done(result);
    } catch (e) {
      if (e instanceof Problem && e.errors[field]) setFieldError(e.errors[field].join(" "));
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="reason-form" onSubmit={go} noValidate aria-label={openLabel}>
      <TextArea label={label} value={reason} onChange={(e) => setReason(e.target.value)} error={fieldError} hint={hint}
        maxLength={1000} autoFocus rows={2} />
      {error !== undefined && <FormAlert error={undefined}><p>{problemText(error)}</p></FormAlert>}
      <div className="actions">
        <button type="submit" className={danger ? "danger" : undefined} disabled={busy}>{submit}</button>
        <button type="button" className="secondary" onClick={() => { setOpen(false); setFieldError(undefined); setError(undefined); }}>
          Keep it
        </button>
      </div>
    </form>
  );
}
