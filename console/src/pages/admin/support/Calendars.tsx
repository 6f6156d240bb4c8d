// /admin/support/calendars: the business-hours calendars SLA targets count
// in; /new and /:calendarId: a calendar's time zone, its weekly hours (one
// or more spans per weekday), the public holidays of a country (and region)
// with the year's list from the API, and the company's own dates (closed
// days, or days with other hours).
import { useEffect, useState } from "react";
import { useFieldArray, useForm, useWatch } from "react-hook-form";
import { Link, useLoaderData, useNavigate, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, post, request } from "../../../lib/api";
import { day } from "../../../lib/format";
import { CheckField } from "./CheckField";
import { applyProblem, FormAlert, SelectField, TextField } from "../../../components/forms";
import { problemText } from "../../orders/actions";
import { Cell } from "../Cell";
import { LeaveGuard } from "../rules";
import {
  allOf, intervalsText, itemsOf, parseIntervals, timeZones, WEEKDAYS, type Calendar, type CalendarDate, type Holiday,
} from "./support";

export async function calendarsLoader({ request: req }: LoaderFunctionArgs): Promise<Calendar[]> {
  return allOf<Calendar>("/support/calendars", req.signal);
}

function hoursSummary(calendar: Calendar): string {
  const open = WEEKDAYS.filter((d) => (calendar.weekly_hours?.[d.key] ?? []).length > 0);
  if (open.length === 0) return "never open";
  const first = intervalsText(calendar.weekly_hours[open[0].key]);
  const same = open.every((d) => intervalsText(calendar.weekly_hours[d.key]) === first);
  const days = open.map((d) => d.label.slice(0, 3)).join(", ");
  return same ? `${days}: ${first}` : `${days} (hours differ by day)`;
}

export function CalendarList() {
  const calendars = useLoaderData() as Calendar[];
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Calendars</h1>
          <p className="muted">Business hours, holidays and the company's own dates. SLA targets count only the open hours of their policy's calendar.</p>
        </div>
        <div className="actions"><Link className="button" to="/admin/support/calendars/new">New calendar</Link></div>
      </div>
      <div className="table-wrap">
        <table className="list">
          <caption className="visually-hidden">Calendars</caption>
          <thead>
            <tr><th scope="col">Calendar</th><th scope="col">Time zone</th><th scope="col">Open</th><th scope="col">Holidays</th></tr>
          </thead>
          <tbody>
            {calendars.map((c) => (
              <tr key={c.id}>
                <td data-label="Calendar"><Link to={`/admin/support/calendars/${c.id}`}>{c.name}</Link>
                  {c.is_default && <> <span className="badge">Default</span></>}</td>
                <td data-label="Time zone">{c.time_zone}</td>
                <td data-label="Open">{hoursSummary(c)}</td>
                <td data-label="Holidays">{c.holiday_country ? `${c.holiday_country}${c.holiday_subdivision ? `-${c.holiday_subdivision}` : ""}` : "none"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {calendars.length === 0 && <p className="empty">No calendar yet. <Link to="/admin/support/calendars/new">Make one</Link>.</p>}
      </div>
    </section>
  );
}

interface CalendarData {
  calendar: Calendar | null;
  etag?: string;
}

export async function calendarLoader({ params, request: req }: LoaderFunctionArgs): Promise<CalendarData> {
  if (!params.calendarId) return { calendar: null };
  const answer = await getWithEtag<Calendar>(`/support/calendars/${params.calendarId}`, req.signal);
  return { calendar: answer.data, etag: answer.etag };
}

interface DateRow {
  date: string;
  name: string;
  closed: boolean;
  hours: string;
}

interface Values {
  name: string;
  time_zone: string;
  hours: Record<string, string>;
  holiday_country: string;
  holiday_subdivision: string;
  is_default: boolean;
  dates: DateRow[];
}

const FORM_FIELDS = ["name", "time_zone", "holiday_country", "holiday_subdivision", "is_default"];

function toValues(calendar: Calendar | null): Values {
  const hours: Record<string, string> = {};
  for (const d of WEEKDAYS) {
    hours[d.key] = calendar ? intervalsText(calendar.weekly_hours?.[d.key]) : ["sat", "sun"].includes(d.key) ? "" : "09:00-17:00";
  }
  return {
    name: calendar?.name ?? "",
    time_zone: calendar?.time_zone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"),
    hours,
    holiday_country: calendar?.holiday_country ?? "",
    holiday_subdivision: calendar?.holiday_subdivision ?? "",
    is_default: calendar?.is_default ?? false,
    dates: (calendar?.dates ?? []).map((d: CalendarDate) => ({
      date: d.date, name: d.name ?? "", closed: !(d.hours && d.hours.length), hours: intervalsText(d.hours),
    })),
  };
}

export function CalendarPage() {
  const { calendar, etag } = useLoaderData() as CalendarData;
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const [done, setDone] = useState<string>();
  const { register, handleSubmit, setError, control, formState } = useForm<Values>({ defaultValues: toValues(calendar) });
  const { fields, append, remove } = useFieldArray({ control, name: "dates" });
  const errors = formState.errors;
  const zones = timeZones();
  const country = useWatch({ control, name: "holiday_country" });
  const subdivision = useWatch({ control, name: "holiday_subdivision" });
  useEffect(() => {
    if (done) navigate(done);
  }, [done, navigate]);

  const save = async (values: Values) => {
    setGeneral([]);
    const weekly: Record<string, [string, string][]> = {};
    let bad = false;
    for (const d of WEEKDAYS) {
      const parsed = parseIntervals(values.hours[d.key] ?? "");
      if (parsed.error) {
        setError(`hours.${d.key}`, { type: "client", message: parsed.error });
        bad = true;
      }
      weekly[d.key] = parsed.intervals;
    }
    const dates = values.dates.map((row, index) => {
      const parsed = parseIntervals(row.closed ? "" : row.hours);
      if (parsed.error) {
        setError(`dates.${index}.hours`, { type: "client", message: parsed.error });
        bad = true;
      } else if (!row.closed && parsed.intervals.length === 0) {
        setError(`dates.${index}.hours`, { type: "client", message: "Give the day's hours, or tick “Closed”." });
        bad = true;
      }
      // No hours: closed that day.
      return { date: row.date, name: row.name.trim() || null, hours: row.closed ? [] : parsed.intervals };
    });
    if (bad) return;
    const body = {
      name: values.name.trim(),
      time_zone: values.time_zone,
      weekly_hours: weekly,
      holiday_country: values.holiday_country.trim().toUpperCase() || null,
      holiday_subdivision: values.holiday_subdivision.trim().toUpperCase() || null,
      dates,
      // Only ever set: another calendar becomes the default by being made one.
      ...(values.is_default && !calendar?.is_default ? { is_default: true } : {}),
    };
    try {
      if (calendar) {
        await request(`/support/calendars/${calendar.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${calendar.version}"` });
        setDone("/admin/support/calendars");
      } else {
        const made = await post<Calendar>("/support/calendars", body);
        setDone(`/admin/support/calendars/${made.id}`);
      }
    } catch (e) {
      const rest = applyProblem(e, setError, FORM_FIELDS);
      setGeneral(placeNested(e, setError, rest));
    }
  };

  return (
    <section>
      <h1>{calendar ? calendar.name : "New calendar"}</h1>
      <LeaveGuard dirty={formState.isDirty && !done && !formState.isSubmitting} what="the calendar" />
      <form onSubmit={handleSubmit(save)} noValidate aria-label="Calendar">
        <div className="form-grid">
          <TextField label="Name" error={errors.name?.message} maxLength={100} autoFocus={!calendar}
            {...register("name", { validate: (v) => v.trim() !== "" || "Name the calendar, e.g. “Berlin office”." })} />
          <SelectField label="Time zone" error={errors.time_zone?.message} options={zones.map((z) => ({ value: z, label: z }))}
            hint="Business hours are local times of this zone, also across daylight-saving changes."
            {...register("time_zone", { required: "Pick the time zone of these hours." })} />
        </div>
        <fieldset className="panel">
          <legend>Weekly hours</legend>
          <p className="muted">Spans like <code>09:00-17:00</code>, several separated by commas (<code>08:00-12:00, 13:00-17:00</code>); empty: closed that day.</p>
          <div className="form-grid">
            {WEEKDAYS.map((d) => (
              <TextField key={d.key} label={d.label} error={errors.hours?.[d.key]?.message} placeholder="closed"
                {...register(`hours.${d.key}`)} />
            ))}
          </div>
        </fieldset>
        <fieldset className="panel">
          <legend>Public holidays</legend>
          <div className="form-grid">
            <TextField label="Country" error={errors.holiday_country?.message} maxLength={2} autoCapitalize="characters"
              hint="Two letters (ISO 3166), e.g. DE, US, GB; empty: no public holidays." {...register("holiday_country")} />
            <TextField label="Region" error={errors.holiday_subdivision?.message} maxLength={10} autoCapitalize="characters"
              hint="Optional: the state or region's code, e.g. BY for Bavaria, CA for California." {...register("holiday_subdivision")} />
          </div>
          <HolidayList country={country.trim().toUpperCase()} subdivision={subdivision.trim().toUpperCase()} />
        </fieldset>
        <fieldset className="panel">
          <legend>The company's own dates</legend>
          <p className="muted">Closed days (a company outing) or days with other hours (Christmas Eve until 12:00).</p>
          {fields.length > 0 && (
            <div className="table-wrap">
              <table className="list edit-table">
                <caption className="visually-hidden">The company's own dates</caption>
                <thead>
                  <tr><th scope="col">Date</th><th scope="col">Name</th><th scope="col">Closed</th><th scope="col">Hours</th>
                    <th scope="col"><span className="visually-hidden">Remove</span></th></tr>
                </thead>
                <tbody>
                  {fields.map((field, index) => {
                    const row = `date ${index + 1}`;
                    const err = errors.dates?.[index];
                    return (
                      <tr key={field.id}>
                        <Cell column="Date" row={row} error={err?.date?.message}>
                          {(aria) => <input type="date" {...aria} {...register(`dates.${index}.date`, { required: "Pick the date." })} />}
                        </Cell>
                        <Cell column="Name" row={row} error={err?.name?.message}>
                          {(aria) => <input {...aria} maxLength={100} {...register(`dates.${index}.name`)} />}
                        </Cell>
                        <Cell column="Closed" row={row} error={err?.closed?.message}>
                          {(aria) => <input type="checkbox" {...aria} {...register(`dates.${index}.closed`)} />}
                        </Cell>
                        <Cell column="Hours" row={row} error={err?.hours?.message}>
                          {(aria) => <input {...aria} placeholder="09:00-12:00" {...register(`dates.${index}.hours`)} />}
                        </Cell>
                        <td data-label="Remove">
                          <button type="button" className="secondary" onClick={() => remove(index)} aria-label={`Remove ${row}`}>Remove</button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => append({ date: "", name: "", closed: true, hours: "" })}>Add a date</button>
          </div>
        </fieldset>
        {!calendar?.is_default && (
          <CheckField label="Default calendar (for cases no SLA policy matches)" error={errors.is_default?.message} {...register("is_default")} />
        )}
        {calendar?.is_default && <p className="muted">This is the default calendar: cases no SLA policy matches count in it.</p>}
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{calendar ? "Save calendar" : "Create calendar"}</button>
          <Link className="button secondary" to="/admin/support/calendars">Cancel</Link>
        </div>
      </form>
    </section>
  );
}

/** Errors the API gives for a weekday's hours or an own date's fields, placed on them; returns the rest. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function placeNested(error: unknown, setError: (name: any, e: { type: string; message: string }) => void, rest: string[]): string[] {
  if (!(error instanceof Error) || !("errors" in error)) return rest;
  const problems = (error as { errors: Record<string, string[]> }).errors;
  const left: string[] = [];
  const placedKeys = new Set<string>();
  for (const [key, messages] of Object.entries(problems)) {
    const weekly = key.match(/^weekly_hours\.([a-z]{3})/);
    const date = key.match(/^dates\.(\d+)\.([a-z_]+)/);
    if (weekly && WEEKDAYS.some((d) => d.key === weekly[1])) {
      setError(`hours.${weekly[1]}`, { type: "server", message: messages.join(" ") });
      placedKeys.add(key);
    } else if (date && ["date", "name", "closed", "hours"].includes(date[2])) {
      setError(`dates.${date[1]}.${date[2]}`, { type: "server", message: messages.join(" ") });
      placedKeys.add(key);
    }
  }
  for (const message of rest) {
    if (![...placedKeys].some((key) => message.startsWith(`${key}: `))) left.push(message);
  }
  if (placedKeys.size && left.length === 0) return ["Some fields are invalid: see the marked fields."];
  return left;
}

/** The public holidays of a country (and region) in a year, from the API (the holidays library the SLA clocks use). */
function HolidayList({ country, subdivision }: { country: string; subdivision: string }) {
  const [year, setYear] = useState(new Date().getFullYear());
  const [holidays, setHolidays] = useState<Holiday[] | null>(null);
  const [error, setError] = useState<unknown>();
  const valid = /^[A-Z]{2}$/.test(country);
  useEffect(() => {
    setHolidays(null);
    setError(undefined);
    if (!valid) return;
    const controller = new AbortController();
    // A moment after the typing stops.
    const timer = window.setTimeout(() => {
      get<{ items: Holiday[] }>("/support/holidays", { country, subdivision: subdivision || undefined, year }, controller.signal)
        .then((answer) => setHolidays(itemsOf(answer)))
        .catch((e) => { if (!controller.signal.aborted) setError(e); });
    }, 300);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [country, subdivision, year, valid]);
  if (!valid) return null;
  const where = subdivision ? `${country}-${subdivision}` : country;
  return (
    <section aria-labelledby="holidays-heading" className="holidays">
      <div className="toolbar">
        <h2 id="holidays-heading">Public holidays of {where} in {year}</h2>
        <button type="button" className="secondary" onClick={() => setYear(year - 1)} aria-label={`Holidays of ${year - 1}`}>← {year - 1}</button>
        <button type="button" className="secondary" onClick={() => setYear(year + 1)} aria-label={`Holidays of ${year + 1}`}>{year + 1} →</button>
      </div>
      {error !== undefined && <p role="alert" className="field-error">{problemText(error)}</p>}
      {holidays === null && error === undefined && <p className="muted" role="status">Loading…</p>}
      {holidays && holidays.length === 0 && <p className="muted">No public holidays in {year} for {where}.</p>}
      {holidays && holidays.length > 0 && (
        <ul className="plain holiday-list" aria-label={`Public holidays in ${year}`}>
          {holidays.map((h) => <li key={`${h.date}-${h.name}`}><strong>{day(h.date)}</strong> · {h.name}</li>)}
        </ul>
      )}
    </section>
  );
}
