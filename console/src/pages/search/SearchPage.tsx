// The global search: leads, accounts, contacts and opportunities found by name,
// email, phone or web domain, grouped by kind, each hit a link to its record.
import { Form, Link, useLoaderData, type LoaderFunctionArgs } from "react-router";
import { describe, get, Problem, queryString } from "../../lib/api";
import { label, plural } from "../../lib/format";
import { useCan } from "../../lib/session";
import { TextField } from "../../components/forms";
import { KIND_ORDER, type PickedKind, type SearchResults } from "../../components/RecordPicker";
import { LINK_FIELD } from "../tasks/task";

const PER_KIND = 10;
const MORE = 20;
const HEADING: Record<PickedKind, string> = {
  leads: "Leads", accounts: "Accounts", contacts: "Contacts", opportunities: "Opportunities",
};

interface Data {
  q: string;
  limit: number;
  answer: SearchResults | null;
  /** Why the text was not searched (too short, refused by the server). */
  refusal?: string;
}

export async function searchLoader({ request }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(request.url).searchParams;
  const q = params.get("q") ?? "";
  const limit = params.get("limit") === String(MORE) ? MORE : PER_KIND;
  if (!q.trim()) return { q, limit, answer: null };
  if (q.trim().length < 2) return { q, limit, answer: null, refusal: "Type at least 2 characters to search for." };
  try {
    return { q, limit, answer: await get<SearchResults>("/search", { q, limit }, request.signal) };
  } catch (e) {
    if (e instanceof Problem && e.status === 422) {
      return { q, limit, answer: null, refusal: (e.errors.q ?? [describe(e)]).join(" ") };
    }
    throw e;
  }
}

export function SearchPage() {
  const { q, limit, answer, refusal } = useLoaderData() as Data;
  const can = useCan();
  const kinds = answer ? KIND_ORDER.filter((kind) => answer.results[kind] !== undefined) : [];
  const found = answer ? kinds.reduce((n, kind) => n + (answer.results[kind]?.length ?? 0), 0) : 0;
  return (
    <section>
      <h1>{answer ? `Search results for “${answer.q}”` : "Search"}</h1>
      <Form method="get" className="toolbar" role="search" aria-label="Search the records" key={q}>
        <TextField label="Name, email, phone, company or web domain" name="q" type="search" defaultValue={q}
          error={refusal} minLength={2} maxLength={200} />
        <button type="submit">Search</button>
      </Form>
      {!answer && !refusal && (
        <p className="muted">Search leads, accounts, contacts and opportunities at once: part of a name, an email address,
          the digits of a phone number or a web domain (example.com).</p>
      )}
      {answer && answer.unavailable.length > 0 && (
        <p role="status" className="alert warn">
          {answer.unavailable.map((kind) => HEADING[kind]).join(", ")} could not be searched just now; the other results are
          complete. Try again in a moment.
        </p>
      )}
      {answer && (
        <p role="status" className="muted">
          {found === 0 ? `Nothing matches “${answer.q}”. Check the spelling, or search by email, phone or web domain.`
            : `${plural(found, "record")} found.`}
        </p>
      )}
      {answer && kinds.map((kind) => {
        const hits = answer.results[kind] ?? [];
        if (hits.length === 0) return null;
        return (
          <section key={kind} className="panel" aria-labelledby={`results-${kind}`}>
            <div className="block-head">
              <h2 id={`results-${kind}`}>{HEADING[kind]} <span className="muted">({hits.length}{hits.length >= limit ? "+" : ""})</span></h2>
              <Link to={`/${kind}${queryString({ q: answer.q })}`}>Open in the {HEADING[kind].toLowerCase()} list</Link>
            </div>
            <ul className="hits">
              {hits.map((hit) => (
                <li key={hit.id}>
                  <Link to={`/${kind}/${hit.id}`} className="hit-title">{hit.title}</Link>
                  {hit.subtitle && <span className="muted"> · {hit.subtitle}</span>}
                  <small className="muted"> (matched by {label(hit.matched).toLowerCase()})</small>
                  {can("sales:write") && (
                    <Link className="hit-action" to={`/tasks/new${queryString({ [LINK_FIELD[kind]]: hit.id })}`}
                      aria-label={`New task for ${hit.title}`}>
                      New task
                    </Link>
                  )}
                </li>
              ))}
            </ul>
            {hits.length >= limit && limit < MORE && (
              <Link to={queryString({ q: answer.q, limit: MORE })}>Show more {HEADING[kind].toLowerCase()}</Link>
            )}
          </section>
        );
      })}
    </section>
  );
}
