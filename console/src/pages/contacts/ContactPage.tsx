// One contact: its facts (emails and phones, with the phones as they were
// typed) edited in place, its account, activities and history.
import { useState } from "react";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { getWithEtag, Problem, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import { Activities, History } from "../../components/records";
import { FormAlert } from "../../components/forms";
import { AccountPicker } from "../accounts/AccountPicker";
import { accountName } from "../accounts/account";
import { ConsentPanel } from "../campaigns/ConsentPanel";
import { CONTACT_ROLES, contactName, type Contact } from "./contact";

interface Data {
  contact: Contact;
  etag?: string;
  account: string | null;
}

export async function contactLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const answer = await getWithEtag<Contact>(`/contacts/${params.contactId}`, req.signal);
  const account = answer.data.account_id ? await accountName(answer.data.account_id) : null;
  return { contact: answer.data, etag: answer.etag, account };
}

function Phones({ contact }: { contact: Contact }) {
  if (contact.phones.length === 0) return <>—</>;
  return (
    <ul className="plain">
      {contact.phones.map((phone, i) => {
        const typed = contact.phones_text?.[i];
        return (
          <li key={`${phone}-${i}`}>
            <a href={`tel:${phone}`}>{phone}</a>
            {typed && typed !== phone && <span className="muted"> (typed as “{typed}”)</span>}
          </li>
        );
      })}
    </ul>
  );
}

function Emails({ contact }: { contact: Contact }) {
  if (contact.emails.length === 0) return <>—</>;
  return (
    <ul className="plain">
      {contact.emails.map((email, i) => (
        <li key={email}><a href={`mailto:${email}`}>{email}</a>{i === 0 && contact.emails.length > 1 && <span className="muted"> (primary)</span>}</li>
      ))}
    </ul>
  );
}

const yesNo = (value: boolean) => (value ? "Yes" : "No");

const FIELDS: FactField[] = [
  { name: "first_name", label: "First name" },
  { name: "last_name", label: "Last name" },
  { name: "title", label: "Job title" },
  { name: "emails", label: "Emails", type: "lines", hint: "One a line; the first is the primary email.", show: (c: Contact) => <Emails contact={c} /> },
  {
    name: "phones", label: "Phones", type: "lines", show: (c: Contact) => <Phones contact={c} />,
    hint: "One a line, each with its country code (+44 20 7946 0958), or national when the account has a country.",
  },
  { name: "role", label: "Role at the account", type: "select", options: CONTACT_ROLES.map((r) => ({ value: r, label: label(r) })), show: (c: Contact) => label(c.role) },
  { name: "do_not_call", label: "Do not call", type: "boolean", show: (c: Contact) => yesNo(c.do_not_call) },
  { name: "do_not_email", label: "Do not email", type: "boolean", show: (c: Contact) => yesNo(c.do_not_email) },
  { name: "owner", label: "Owner", type: "owner" },
  { name: "created_at", label: "Created", readOnly: true, show: (c: Contact) => `${when(c.created_at)}${c.created_by ? ` by ${c.created_by}` : ""}` },
  { name: "updated_at", label: "Last changed", readOnly: true, show: (c: Contact) => when(c.updated_at) },
];

function AccountPanel({ contact, etag, account, writable, done }: {
  contact: Contact; etag?: string; account: string | null; writable: boolean; done: () => void;
}) {
  const [value, setValue] = useState(contact.account_id ?? "");
  const [error, setError] = useState<unknown>();
  const [fieldError, setFieldError] = useState<string>();
  const save = async (accountId: string | null) => {
    setError(undefined);
    setFieldError(undefined);
    try {
      await request(`/contacts/${contact.id}`, { method: "PATCH", body: { account_id: accountId }, ifMatch: etag ?? `"${contact.version}"` });
      done();
    } catch (e) {
      if (e instanceof Problem && e.errors.account_id) setFieldError(e.errors.account_id.join(" "));
      else setError(e);
    }
  };
  return (
    <section className="panel" aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      {contact.account_id ? (
        <p><Link to={`/accounts/${contact.account_id}`}>{account ?? "Open the account"}</Link></p>
      ) : <p className="muted">Not at an account.</p>}
      {writable && (
        <>
          <form onSubmit={(e) => { e.preventDefault(); save(value || null); }} aria-label="Move to another account">
            <AccountPicker label="Account" value={value} onChange={setValue} placeholder="(no account)" error={fieldError} />
            <div className="actions">
              <button type="submit" disabled={(value || null) === contact.account_id}>Save account</button>
              {contact.account_id && <button type="button" className="secondary" onClick={() => save(null)}>Remove from the account</button>}
            </div>
          </form>
          <FormAlert error={error} />
        </>
      )}
    </section>
  );
}

export function ContactPage() {
  const { contact, etag, account } = useLoaderData() as Data;
  const can = useCan();
  const revalidator = useRevalidator();
  const refresh = () => revalidator.revalidate();
  const writable = can("accounts:write");
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{contactName(contact)}</h1>
          <p className="muted">
            {contact.title ?? "No title"}
            {contact.account_id && <> at <Link to={`/accounts/${contact.account_id}`}>{account ?? "its account"}</Link></>}
            {contact.role && <> · {label(contact.role)}</>} · owner {contact.owner ?? "nobody"}
            {contact.do_not_call && <> · <span className="badge lost">Do not call</span></>}
            {contact.do_not_email && <> · <span className="badge lost">Do not email</span></>}
          </p>
        </div>
        {can("sales:write") && contact.account_id && (
          <div className="actions">
            <Link className="button secondary" to={`/opportunities/new?account_id=${contact.account_id}&primary_contact_id=${contact.id}`}>
              New opportunity
            </Link>
          </div>
        )}
      </div>
      <div className="grid-2">
        <div>
          <EditableFacts record={contact} fields={FIELDS} path={`/contacts/${contact.id}`} etag={etag} canEdit={writable} onSaved={refresh} />
          <Activities link={{ contact_id: contact.id }} />
          <History path={`/contacts/${contact.id}/history`} version={contact.version} />
        </div>
        <aside>
          <AccountPanel key={`${contact.id}-${contact.version}`} contact={contact} etag={etag} account={account}
            writable={writable} done={refresh} />
          <ConsentPanel kind="contact" sourceId={contact.id} />
        </aside>
      </div>
    </article>
  );
}
