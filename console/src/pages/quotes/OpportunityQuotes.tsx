// The "Quotes" block of an opportunity's page: its quotes (latest revisions,
// the alternatives), and "New quote" for roles that write quotes.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { get } from "../../lib/api";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";
import { amount } from "../orders/money";
import { QuoteStatus } from "./QuoteStatus";
import { quoteName, type QuoteSummary } from "./quote";

export function OpportunityQuotes({ opportunityId, accountId }: { opportunityId: string; accountId: string }) {
  const can = useCan();
  const readable = can("orders:read");
  const [quotes, setQuotes] = useState<QuoteSummary[] | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!readable) return;
    const controller = new AbortController();
    get<Page<QuoteSummary>>("/quotes", { opportunity_id: opportunityId, limit: 20 }, controller.signal)
      .then((page) => { setQuotes(page.items); setError(undefined); })
      .catch((e) => { if (!controller.signal.aborted) setError(e); });
    return () => controller.abort();
  }, [opportunityId, readable]);
  if (!readable) return null;
  const query = new URLSearchParams({ account_id: accountId, opportunity_id: opportunityId });
  return (
    <section className="panel" aria-labelledby="opportunity-quotes-heading">
      <div className="block-head">
        <h2 id="opportunity-quotes-heading">Quotes</h2>
        {can("orders:write") && <Link className="button secondary" to={`/quotes/new?${query}`}>New quote</Link>}
      </div>
      <FormAlert error={error} />
      {quotes && quotes.length === 0 && <p className="muted">No quotes yet.</p>}
      {quotes && quotes.length > 0 && (
        <ul className="plain quote-rows">
          {quotes.map((q) => (
            <li key={q.id}>
              <Link to={`/quotes/${q.id}`}>{quoteName(q, true)}</Link> <QuoteStatus quote={q} />{" "}
              <span className="muted">{amount(q.totals.gross_total, q.currency)}</span>
            </li>
          ))}
        </ul>
      )}
      {quotes && quotes.length > 0 && <p><Link to={`/quotes?opportunity_id=${opportunityId}`}>All quotes of this opportunity</Link></p>}
    </section>
  );
}
