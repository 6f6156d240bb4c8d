// A quote's status badge, and "Superseded" when a newer revision replaced it.
import { label } from "../../lib/format";
import { STATUS_BADGE, type QuoteSummary } from "./quote";

export function QuoteStatus({ quote }: { quote: Pick<QuoteSummary, "status" | "superseded_by"> }) {
  return (
    <>
      <span className={`badge ${STATUS_BADGE[quote.status]}`}>{label(quote.status)}</span>
      {quote.superseded_by && <> <span className="badge">Superseded</span></>}
    </>
  );
}
