// Forecast periods as the API names them: a month (2026-11) or a quarter
// (2026-Q4), with their first and last days in the browser's calendar.
export type PeriodKind = "month" | "quarter";

export interface Period {
  key: string;
  kind: PeriodKind;
  year: number;
  /** 1..12 for a month, 1..4 for a quarter. */
  index: number;
  start: Date;
  /** The last day (inclusive). */
  end: Date;
}

const PATTERN = /^(\d{4})-(?:(0[1-9]|1[0-2])|[Qq]([1-4]))$/;
const MONTH_NAME = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

function make(kind: PeriodKind, year: number, index: number): Period {
  const firstMonth = kind === "month" ? index - 1 : (index - 1) * 3;
  const months = kind === "month" ? 1 : 3;
  const key = kind === "month" ? `${year}-${String(index).padStart(2, "0")}` : `${year}-Q${index}`;
  return { key, kind, year, index, start: new Date(year, firstMonth, 1), end: new Date(year, firstMonth + months, 0) };
}

export function parsePeriod(text: string | null | undefined): Period | null {
  const match = PATTERN.exec((text ?? "").trim());
  if (!match || match[1] === "0000") return null;
  const year = Number(match[1]);
  return match[2] ? make("month", year, Number(match[2])) : make("quarter", year, Number(match[3]));
}

export function periodOf(date: Date, kind: PeriodKind): Period {
  const month = date.getMonth();
  return kind === "month" ? make("month", date.getFullYear(), month + 1) : make("quarter", date.getFullYear(), Math.floor(month / 3) + 1);
}

export function currentQuarter(today = new Date()): Period {
  return periodOf(today, "quarter");
}

/** The period `steps` months or quarters before (negative) or after this one. */
export function shiftPeriod(period: Period, steps: number): Period {
  const per = period.kind === "month" ? 12 : 4;
  const total = period.year * per + (period.index - 1) + steps;
  return make(period.kind, Math.floor(total / per), (total % per) + 1);
}

export function periodLabel(period: Period): string {
  return period.kind === "month" ? MONTH_NAME.format(period.start) : `Q${period.index} ${period.year}`;
}

/** A calendar day as the API takes it (2026-11-30), in the browser's calendar. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of `date` plus `days` days. */
export function startOfDay(date: Date, days = 0): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}
