// /segments/suppressions: the addresses never mailed (hard bounces,
// complaints, and those added by hand), with why and since when.
import { useState } from "react";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { del, get, post, Problem } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { Pager } from "../../components/DataTable";
import type { Page } from "../../components/records";
import type { Suppression } from "./campaign";
import "./campaigns.css";

export async function suppressionsLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Suppression>> {
  const params = new URL(req.url).searchParams;
  return get<Page<Suppression>>("/campaigns/suppressions",
    { limit: 50, cursor: params.get("cursor") ?? undefined, q: params.get("q") ?? undefined }, req.signal);
}

const REASONS = ["manual", "complaint"];

export function Suppressions() {
  const page = useLoaderData() as Page<Suppression>;
  const can = useCan();
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [reason, setReason] = useState("manual");
  const [fieldError, setFieldError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setFieldError(undefined);
    setError(undefined);
    if (!/.+@.+\..+/.test(email.trim())) {
      setFieldError("An email address, e.g. someone@example.com.");
      return;
    }
    try {
      await post("/campaigns/suppressions", { email: email.trim(), reason });
      setEmail("");
      revalidator.revalidate();
    } catch (e) {
      if (e instanceof Problem && e.errors.email) setFieldError(e.errors.email.join(" "));
      else setError(e);
    }
  };
  const remove = async (s: Suppression) => {
    setError(undefined);
    try {
      await del(`/campaigns/suppressions/${encodeURIComponent(s.email)}`);
      revalidator.revalidate();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Suppression list</h1>
          <p className="muted">No marketing email goes to these addresses, whatever their consent says.</p>
        </div>
      </div>
      {can("campaigns:write") && (
        <form onSubmit={add} noValidate className="toolbar" aria-label="Suppress an address">
          <TextField label="Email to suppress" type="email" value={email} error={fieldError} onChange={(e) => setEmail(e.target.value)} />
          <SelectField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} options={REASONS.map((r) => ({ value: r, label: label(r) }))} />
          <button type="submit">Suppress</button>
        </form>
      )}
      <FormAlert error={error} />
      <Form method="get" className="toolbar" role="search" aria-label="Find an address">
        <TextField label="Find" name="q" type="search" defaultValue={params.get("q") ?? ""} />
        <button type="submit" className="secondary">Find</button>
        {params.get("q") && <Link to="?" className="button secondary">Clear</Link>}
      </Form>
      {page.items.length === 0 ? <p className="empty">No suppressed addresses{params.get("q") ? " match" : ""}.</p> : (
        <div className="table-wrap">
          <table className="list" aria-label="Suppressed addresses">
            <thead><tr><th scope="col">Email</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Since</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {page.items.map((s) => (
                <tr key={s.email}>
                  <td data-label="Email">{s.email}</td>
                  <td data-label="Reason">{label(s.reason)}</td>
                  <td data-label="Source">{s.source ?? "—"}{s.created_by ? ` · ${s.created_by}` : ""}</td>
                  <td data-label="Since">{when(s.created_at)}</td>
                  <td>
                    {can("campaigns:write") && (
                      <button type="button" className="link" onClick={() => remove(s)} aria-label={`Mail ${s.email} again`}>Remove</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
