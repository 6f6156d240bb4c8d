// One account: its facts edited in place, its place in the hierarchy, its
// contacts and opportunities, its customer value and support at a glance (one
// customer-360 overview request for both), its timeline (its own activities
// and those of its contacts and opportunities) and its history.
import { useEffect, useState } from "react";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, Problem, request } from "../../lib/api";
import { day, label, money, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import { Activities, History, type Page } from "../../components/records";
import { FormAlert } from "../../components/forms";
import { AccountPicker } from "./AccountPicker";
import { ACCOUNT_TYPES, knowAccountNames, type Account, type Address, type Hierarchy } from "./account";
import { contactName, type Contact } from "../contacts/contact";
import { loadPipelines, stageName, type Opportunity, type Pipeline } from "../opportunities/opportunity";
import { AccountOrders } from "../orders/AccountOrders";
import { AccountCases } from "../cases/AccountCases";
import { loadOverview, partOf, type AccountOverview } from "./overview";

interface Data {
  account: Account;
  etag?: string;
  hierarchy: Hierarchy | null;
  contacts: Page<Contact>;
  /** The customer-360 overview (null when the gateway gave none): the value and support sections read it. */
  overview: AccountOverview | null;
}

export async function accountLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const id = params.accountId!;
  const [answer, hierarchy, contacts, overview] = await Promise.all([
    getWithEtag<Account>(`/accounts/${id}`, req.signal),
    get<Hierarchy>(`/accounts/${id}/hierarchy`, undefined, req.signal).catch(() => null),
    get<Page<Contact>>("/contacts", { account_id: id, limit: 50 }, req.signal),
    loadOverview(id, req.signal),
  ]);
  knowAccountNames([answer.data, ...(hierarchy ? [...hierarchy.ancestors, ...hierarchy.children] : [])]);
  return { account: answer.data, etag: answer.etag, hierarchy, contacts, overview };
}

const FIELDS: FactField[] = [
  { name: "name", label: "Name" },
  {
    name: "domain", label: "Domain", hint: "Its website, like acme.com",
    show: (a: Account) => (a.domain ? <a href={`https://${a.domain}`} rel="noopener noreferrer" target="_blank">{a.domain}</a> : "—"),
  },
  { name: "type", label: "Type", type: "select", options: ACCOUNT_TYPES.map((t) => ({ value: t, label: label(t) })), show: (a: Account) => label(a.type) },
  { name: "industry", label: "Industry" },
  { name: "size", label: "Employees", type: "number", show: (a: Account) => a.size?.toLocaleString() ?? "—" },
  { name: "country", label: "Country", type: "country" },
  { name: "owner", label: "Owner", type: "owner" },
  { name: "created_at", label: "Created", readOnly: true, show: (a: Account) => `${when(a.created_at)}${a.created_by ? ` by ${a.created_by}` : ""}` },
  { name: "updated_at", label: "Last changed", readOnly: true, show: (a: Account) => when(a.updated_at) },
];

function addressLine(a: Address): string {
  return [a.street, [a.postal_code, a.city].filter(Boolean).join(" "), a.region, a.country].filter(Boolean).join(", ");
}

function HierarchyPanel({ account, etag, hierarchy, writable, done }: {
  account: Account; etag?: string; hierarchy: Hierarchy | null; writable: boolean; done: () => void;
}) {
  const [parent, setParent] = useState(account.parent_id ?? "");
  const [error, setError] = useState<unknown>();
  const [fieldError, setFieldError] = useState<string>();
  const ancestors = hierarchy ? [...hierarchy.ancestors].reverse() : [];
  const children = hierarchy?.children ?? [];
  const save = async (parentId: string | null) => {
    setError(undefined);
    setFieldError(undefined);
    try {
      await request(`/accounts/${account.id}`, { method: "PATCH", body: { parent_id: parentId }, ifMatch: etag ?? `"${account.version}"` });
      done();
    } catch (e) {
      if (e instanceof Problem && e.errors.parent_id) setFieldError(e.errors.parent_id.join(" "));
      else setError(e);
    }
  };
  return (
    <section className="panel" aria-labelledby="hierarchy-heading">
      <h2 id="hierarchy-heading">Hierarchy</h2>
      {ancestors.length > 0 ? (
        <p>
          Part of{" "}
          {ancestors.map((a, i) => (
            <span key={a.id}>{i > 0 && " › "}<Link to={`/accounts/${a.id}`}>{a.name}</Link></span>
          ))}
        </p>
      ) : <p className="muted">No parent account.</p>}
      {children.length > 0 ? (
        <>
          <h3>Child accounts ({children.length})</h3>
          <ul>
            {children.map((c) => <li key={c.id}><Link to={`/accounts/${c.id}`}>{c.name}</Link> <span className="muted">{label(c.type)}</span></li>)}
          </ul>
          <p><Link to={`/accounts?parent_id=${account.id}`}>Child accounts in the list</Link></p>
        </>
      ) : <p className="muted">No child accounts.</p>}
      {writable && (
        <>
          <form onSubmit={(e) => { e.preventDefault(); save(parent || null); }} aria-label="Change the parent account">
            <AccountPicker label="Parent account" value={parent} onChange={setParent} exclude={[account.id]}
              placeholder="(none)" error={fieldError} />
            <div className="actions">
              <button type="submit" disabled={(parent || null) === account.parent_id}>Save parent</button>
              {account.parent_id && <button type="button" className="secondary" onClick={() => save(null)}>Remove the parent</button>}
              <Link to={`/accounts/new?parent_id=${account.id}`}>New child account</Link>
            </div>
          </form>
          <FormAlert error={error} />
        </>
      )}
    </section>
  );
}

function ContactsPanel({ account, contacts, writable }: { account: Account; contacts: Page<Contact>; writable: boolean }) {
  return (
    <section className="panel" aria-labelledby="contacts-heading">
      <div className="page-head">
        <h2 id="contacts-heading">Contacts</h2>
        {writable && <Link className="button secondary" to={`/contacts/new?account_id=${account.id}`}>New contact</Link>}
      </div>
      {contacts.items.length === 0 ? <p className="muted">No contacts yet.</p> : (
        <div className="table-wrap">
          <table className="list">
            <caption className="visually-hidden">Contacts of {account.name}</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Title</th><th scope="col">Email</th><th scope="col">Phone</th></tr></thead>
            <tbody>
              {contacts.items.map((c) => (
                <tr key={c.id}>
                  <td data-label="Name"><Link to={`/contacts/${c.id}`}>{contactName(c)}</Link></td>
                  <td data-label="Title">{c.title ?? "—"}</td>
                  <td data-label="Email">{c.emails[0] ? <a href={`mailto:${c.emails[0]}`}>{c.emails[0]}</a> : "—"}</td>
                  <td data-label="Phone">{c.phones[0] ? <a href={`tel:${c.phones[0]}`}>{c.phones[0]}</a> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {contacts.next_cursor && <p><Link to={`/contacts?account_id=${account.id}`}>All contacts of {account.name}</Link></p>}
    </section>
  );
}

function OpportunitiesPanel({ account, writable }: { account: Account; writable: boolean }) {
  const [page, setPage] = useState<Page<Opportunity>>();
  const [pipelines, setPipelines] = useState<Pipeline[]>([]);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const controller = new AbortController();
    Promise.all([
      get<Page<Opportunity>>("/opportunities", { account_id: account.id, limit: 50 }, controller.signal),
      loadPipelines(controller.signal).catch(() => []),
    ]).then(([opportunities, list]) => {
      setPage(opportunities);
      setPipelines(list);
    }).catch((e) => {
      if (!controller.signal.aborted) setError(e);
    });
    return () => controller.abort();
  }, [account.id, account.version]);
  return (
    <section className="panel" aria-labelledby="opportunities-heading">
      <div className="page-head">
        <h2 id="opportunities-heading">Opportunities</h2>
        {writable && <Link className="button secondary" to={`/opportunities/new?account_id=${account.id}`}>New opportunity</Link>}
      </div>
      <FormAlert error={error} />
      {!page && !error && <p className="muted">Loading…</p>}
      {page && page.items.length === 0 && <p className="muted">No opportunities yet.</p>}
      {page && page.items.length > 0 && (
        <div className="table-wrap">
          <table className="list">
            <caption className="visually-hidden">Opportunities of {account.name}</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Stage</th><th scope="col" className="num">Amount</th><th scope="col">Close</th><th scope="col">Owner</th></tr>
            </thead>
            <tbody>
              {page.items.map((o) => (
                <tr key={o.id}>
                  <td data-label="Name"><Link to={`/opportunities/${o.id}`}>{o.name}</Link></td>
                  <td data-label="Stage"><span className={`badge ${o.category}`}>{stageName(pipelines, o.pipeline_id, o.stage)}</span></td>
                  <td data-label="Amount" className="num">{money(o.amount, o.currency)}</td>
                  <td data-label="Close">{day(o.closed_on ?? o.expected_close_date)}</td>
                  <td data-label="Owner">{o.owner ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page?.next_cursor && <p><Link to={`/opportunities?account_id=${account.id}`}>All opportunities of {account.name}</Link></p>}
    </section>
  );
}

export function AccountPage() {
  const { account, etag, hierarchy, contacts, overview } = useLoaderData() as Data;
  const can = useCan();
  const revalidator = useRevalidator();
  const refresh = () => revalidator.revalidate();
  const writable = can("accounts:write") && !account.merged_into;
  const support = partOf(overview, "support");
  const value = partOf(overview, "value");
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{account.name}</h1>
          <p className="muted">
            <span className={`badge ${account.type}`}>{label(account.type)}</span> · owner {account.owner ?? "nobody"}
            {account.domain && <> · {account.domain}</>}
            {account.country && <> · {account.country}</>}
          </p>
        </div>
      </div>
      {account.merged_into && (
        <p className="alert info">This account was merged into <Link to={`/accounts/${account.merged_into}`}>another account</Link>; change that one instead.</p>
      )}
      <div className="grid-2">
        <div>
          <EditableFacts record={account} fields={FIELDS} path={`/accounts/${account.id}`} etag={etag} canEdit={writable} onSaved={refresh} />
          <ContactsPanel account={account} contacts={contacts} writable={writable} />
          {can("sales:read") && <OpportunitiesPanel account={account} writable={writable && can("sales:write")} />}
          {can("orders:read") && <AccountOrders accountId={account.id} accountName={account.name}
            known={value.state === "answered" ? { value: value.data } : undefined} />}
          {can("cases:read") && support.state !== "not_permitted" && (
            <AccountCases accountId={account.id} accountName={account.name} support={support} />
          )}
          <Activities link={{ account_id: account.id }} timelinePath={`/accounts/${account.id}/timeline`} />
          <History path={`/accounts/${account.id}/history`} version={account.version} />
        </div>
        <aside>
          <HierarchyPanel key={`${account.id}-${account.version}`} account={account} etag={etag} hierarchy={hierarchy}
            writable={writable} done={refresh} />
          <section className="panel" aria-labelledby="addresses-heading">
            <h2 id="addresses-heading">Addresses</h2>
            {account.addresses.length === 0 ? <p className="muted">No address recorded.</p> : (
              <dl className="facts">
                {account.addresses.map((a, i) => (
                  <div key={i} className="fact">
                    <dt>{label(a.kind)}</dt>
                    <dd>{addressLine(a) || "—"}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        </aside>
      </div>
    </article>
  );
}
