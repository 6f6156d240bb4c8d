// Sums of the API's decimal money strings per currency, exactly (in cents,
// never through floating point).
function cents(amount: string): bigint {
  const text = amount.trim();
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace(/^[-+]/, "").split(".");
  const value = BigInt(whole || "0") * 100n + BigInt((fraction + "00").slice(0, 2));
  return negative ? -value : value;
}

function decimal(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

/** { EUR: "1250.00", USD: "300.50" }, currencies in alphabetical order. */
export function sumsByCurrency(items: { amount: string; currency: string }[]): [string, string][] {
  const totals = new Map<string, bigint>();
  for (const item of items) totals.set(item.currency, (totals.get(item.currency) ?? 0n) + cents(item.amount));
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, total]) => [currency, decimal(total)]);
}
