// "No USD exchange rate": said when an amount is saved, with the way to fix it.
import { Link } from "react-router";
import { useCan } from "../lib/session";

export interface Warning {
  code: string;
  detail: string;
  currency?: string;
}

export function MissingRates({ warnings, currencies }: { warnings?: Warning[]; currencies?: string[] }) {
  const can = useCan();
  const missing = [
    ...(warnings ?? []).filter((w) => w.code === "missing_exchange_rate"),
    ...(currencies ?? []).map((currency) => ({
      code: "missing_exchange_rate", currency,
      detail: `There is no ${currency} exchange rate, so ${currency} amounts are left out of sums and the forecast.`,
    })),
  ];
  const other = (warnings ?? []).filter((w) => w.code !== "missing_exchange_rate");
  if (missing.length === 0 && other.length === 0) return null;
  return (
    <div role="status" className="alert warn">
      {missing.map((w) => (
        <p key={w.currency ?? w.detail}>
          {w.detail}{" "}
          {can("sales:admin") ? (
            <Link to={`/admin/exchange-rates?currency=${encodeURIComponent(w.currency ?? "")}`}>Set the {w.currency} rate now</Link>
          ) : (
            <>Ask an admin to set the {w.currency} rate.</>
          )}
        </p>
      ))}
      {other.map((w) => <p key={w.detail}>{w.detail}</p>)}
    </div>
  );
}
