// Amounts and quantities as the orders API gives them: decimal strings with
// the currency's own decimals ("1250.00" EUR, "1250" JPY, "1.250" KWD). They
// are shown as they are (grouped, with the currency sign) and never turned
// into JavaScript numbers: a total is the server's, never summed here.

type FormatString = (value: string) => string;

const formats = new Map<string, Intl.NumberFormat | null>();

function format(currency: string, decimals: number): Intl.NumberFormat | null {
  const key = `${currency}/${decimals}`;
  if (!formats.has(key)) {
    try {
      formats.set(key, new Intl.NumberFormat(undefined, {
        style: "currency", currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals,
      }));
    } catch {
      formats.set(key, null);
    }
  }
  return formats.get(key) ?? null;
}

const DECIMAL = /^-?\d+(?:\.(\d+))?$/;

/** "1250.00" EUR -> "€1,250.00" in the browser's locale, with exactly the decimals given (no float on the way). */
export function amount(text: string | null | undefined, currency: string | null | undefined): string {
  if (text === null || text === undefined || text === "") return "—";
  const value = String(text);
  const match = DECIMAL.exec(value);
  if (!match || !currency) return currency ? `${value} ${currency}` : value;
  const formatter = format(currency, match[1]?.length ?? 0);
  // Intl.NumberFormat formats a decimal string exactly (ES2023); the string is never a float here.
  return formatter ? (formatter.format as unknown as FormatString)(value) : `${value} ${currency}`;
}

/** A quantity or percent as the API wrote it, trailing zeros of a fraction dropped ("2.5000" -> "2.5"). */
export function decimal(text: string | null | undefined): string {
  if (text === null || text === undefined || text === "") return "—";
  const value = String(text);
  if (!DECIMAL.test(value) || !value.includes(".")) return value;
  return value.replace(/0+$/, "").replace(/\.$/, "");
}

/** Whether a typed amount or quantity is a plain decimal (the server says what else is wrong). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Whether a decimal string is zero ("0", "0.00"), without parsing it into a number. */
export function isZero(text: string | null | undefined): boolean {
  return !text || /^-?0*(?:\.0*)?$/.test(String(text));
}

/** Whether a decimal string is below zero. */
export function isNegative(text: string | null | undefined): boolean {
  return Boolean(text) && String(text).startsWith("-") && !isZero(text);
}

/** `a - b` of two decimal strings, exactly (scaled integers, never floats): what is left to ship or return. */
export function subtract(a: string, b: string | null | undefined): string {
  const places = Math.max(fraction(a), fraction(b ?? "0"));
  const result = scaled(a, places) - scaled(b ?? "0", places);
  return unscaled(result, places);
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compare(a: string, b: string): number {
  const places = Math.max(fraction(a), fraction(b));
  const x = scaled(a, places);
  const y = scaled(b, places);
  return x < y ? -1 : x > y ? 1 : 0;
}

function fraction(text: string): number {
  const match = DECIMAL.exec(text.trim());
  return match?.[1]?.length ?? 0;
}

function scaled(text: string, places: number): bigint {
  const value = text.trim();
  if (!DECIMAL.test(value)) return 0n;
  const negative = value.startsWith("-");
  const [whole, part = ""] = value.replace("-", "").split(".");
  const digits = BigInt(whole + part.padEnd(places, "0"));
  return negative ? -digits : digits;
}

function unscaled(value: bigint, places: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, "0");
  const text = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
  return decimal(`${negative ? "-" : ""}${text}`);
}
