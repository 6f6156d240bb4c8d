// The forecast of a month or quarter: totals, by owner and by pipeline (tables
// and a bar chart), and the currencies left out for want of an exchange rate.
// Loaded on its own (the route's `lazy`), so chart.js is not in the first download.
import { Link, useLoaderData, useLocation, useNavigate, type LoaderFunctionArgs } from "react-router";
import { Bar } from "react-chartjs-2";
import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from "chart.js";
import { describe, get, Problem, queryString } from "../../lib/api";
import { day, money, plural } from "../../lib/format";
import { Field, SelectField } from "../../components/forms";
import { MissingRates } from "../../components/MissingRates";
import { OwnerSelect } from "../../components/records";
import type { Pipeline } from "../pipeline/types";
import { currentQuarter, parsePeriod, periodLabel, periodOf, shiftPeriod, type Period } from "./period";
import { FIGURES, type Figures, type Forecast } from "./types";

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip, Legend);

interface Data {
  period: string;
  forecast: Forecast | null;
  pipelines: Pipeline[];
  /** The server's refusal of the filters, by field. */
  refusal?: Record<string, string>;
}

const QUERY = ["period", "owner", "pipeline_id"];

export async function forecastLoader({ request }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(request.url).searchParams;
  const period = params.get("period") || currentQuarter().key;
  const pipelines = get<{ items: Pipeline[] }>("/pipelines", undefined, request.signal).then((p) => p.items, () => []);
  try {
    const forecast = await get<Forecast>("/forecast", {
      period, owner: params.get("owner") || undefined, pipeline_id: params.get("pipeline_id") || undefined,
    }, request.signal);
    return { period, forecast, pipelines: await pipelines };
  } catch (e) {
    if (e instanceof Problem && (e.status === 422 || e.status === 404)) {
      const refusal: Record<string, string> = {};
      for (const [field, messages] of Object.entries(e.errors)) refusal[field] = messages.join(" ");
      if (e.status === 404) refusal.pipeline_id = `${e.detail} Pick another pipeline.`;
      if (Object.keys(refusal).length === 0) refusal._schema = describe(e);
      return { period, forecast: null, pipelines: await pipelines, refusal };
    }
    throw e;
  }
}

/** The periods offered: quarters from a year back to a year ahead, months from 6 back to 6 ahead. */
function periodChoices(selected: Period | null): { quarters: Period[]; months: Period[] } {
  const today = new Date();
  const quarter = periodOf(today, "quarter");
  const month = periodOf(today, "month");
  const quarters = Array.from({ length: 9 }, (_, i) => shiftPeriod(quarter, i - 4));
  const months = Array.from({ length: 13 }, (_, i) => shiftPeriod(month, i - 6));
  if (selected?.kind === "quarter" && !quarters.some((p) => p.key === selected.key)) quarters.push(selected);
  if (selected?.kind === "month" && !months.some((p) => p.key === selected.key)) months.push(selected);
  const order = (a: Period, b: Period) => a.start.getTime() - b.start.getTime();
  return { quarters: quarters.sort(order), months: months.sort(order) };
}

const COLORS: Record<string, string> = {
  pipeline: "#9db7e0",
  weighted: "#1f5fbf",
  best_case: "#e0a040",
  commit: "#8a5300",
  closed_won: "#1d6b3a",
};

function FiguresTable({ caption, rows, name, link, totals, currency }: {
  caption: string;
  rows: Figures[];
  name: (row: Figures) => string;
  link?: (row: Figures) => string | undefined;
  totals: Figures;
  currency: string;
}) {
  return (
    <>
    <h2>{caption}</h2>
    <div className="table-wrap">
      <table className="list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption.replace(/^By /, "").replace(/^./, (c) => c.toUpperCase())}</th>
            <th scope="col" className="num">Deals</th>
            {FIGURES.map((f) => <th key={f.key} scope="col" className="num">{f.label}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={name(row)}>
              <th scope="row" data-label="Name">{link?.(row) ? <Link to={link(row)!}>{name(row)}</Link> : name(row)}</th>
              <td data-label="Deals" className="num">{row.count.toLocaleString()}</td>
              {FIGURES.map((f) => <td key={f.key} data-label={f.label} className="num">{money(row[f.key], currency)}</td>)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" data-label="Name">Total</th>
            <td data-label="Deals" className="num">{totals.count.toLocaleString()}</td>
            {FIGURES.map((f) => <td key={f.key} data-label={f.label} className="num">{money(totals[f.key], currency)}</td>)}
          </tr>
        </tfoot>
      </table>
      {rows.length === 0 && <p className="empty">No opportunities close in this period.</p>}
    </div>
    </>
  );
}

function ForecastChart({ forecast, by, pipelineName }: { forecast: Forecast; by: "owner" | "pipeline"; pipelineName: (id: string) => string }) {
  const rows: (Figures & { label: string })[] = by === "owner"
    ? forecast.by_owner.map((r) => ({ ...r, label: r.owner ?? "No owner" }))
    : forecast.by_pipeline.map((r) => ({ ...r, label: pipelineName(r.pipeline_id) }));
  if (rows.length === 0) return null;
  const summary = rows.map((r) => `${r.label}: weighted ${money(r.weighted, forecast.currency)}, commit ${money(r.commit, forecast.currency)}, won ${money(r.closed_won, forecast.currency)}`).join("; ");
  return (
    <div className="chart">
      <Bar
        aria-label={`Forecast by ${by} in ${forecast.currency}. ${summary}`}
        fallbackContent={<p>{summary}</p>}
        data={{
          labels: rows.map((r) => r.label),
          datasets: FIGURES.map((f) => ({
            label: f.label,
            data: rows.map((r) => Number(r[f.key])),
            backgroundColor: COLORS[f.key],
          })),
        }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { position: "bottom" },
            tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(String(item.raw), forecast.currency)}` } },
          },
          scales: { y: { beginAtZero: true, ticks: { callback: (value) => money(String(value), forecast.currency) } } },
        }}
      />
    </div>
  );
}

export function ForecastPage() {
  const { period: asked, forecast, pipelines, refusal } = useLoaderData() as Data;
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const by = params.get("by") === "pipeline" ? "pipeline" : "owner";
  const period = parsePeriod(forecast?.period ?? asked);
  const choices = periodChoices(period);
  const pipelineName = (id: string) => pipelines.find((p) => p.id === id)?.name ?? id;

  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams();
    for (const key of [...QUERY, "by"]) if (params.get(key)) next.set(key, params.get(key)!);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    return `/forecast${next.size ? `?${next}` : ""}`;
  };
  const apply = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of [...QUERY, "by"]) {
      const value = String(form.get(key) ?? "");
      if (value && !(key === "by" && value === "owner")) next.set(key, value);
    }
    navigate(`/forecast${next.size ? `?${next}` : ""}`);
  };

  return (
    <section>
      <div className="page-head">
        <h1>Forecast{period ? `, ${periodLabel(period)}` : ""}</h1>
        {period && (
          <nav className="actions" aria-label="Other periods">
            <Link className="button secondary" to={withParams({ period: shiftPeriod(period, -1).key })}>
              ‹ {periodLabel(shiftPeriod(period, -1))}
            </Link>
            <Link className="button secondary" to={withParams({ period: shiftPeriod(period, 1).key })}>
              {periodLabel(shiftPeriod(period, 1))} ›
            </Link>
          </nav>
        )}
      </div>
      <form className="toolbar" onSubmit={apply} aria-label="Choose the period and filter" key={location.search}>
        <Field label="Period" error={refusal?.period}>
          {(aria) => (
            <select {...aria} name="period" defaultValue={period?.key ?? ""}>
              {!period && <option value="">{asked} (not a period)</option>}
              <optgroup label="Quarters">
                {choices.quarters.map((p) => <option key={p.key} value={p.key}>{periodLabel(p)}</option>)}
              </optgroup>
              <optgroup label="Months">
                {choices.months.map((p) => <option key={p.key} value={p.key}>{periodLabel(p)}</option>)}
              </optgroup>
            </select>
          )}
        </Field>
        <SelectField label="Pipeline" name="pipeline_id" defaultValue={params.get("pipeline_id") ?? ""} placeholder="All pipelines"
          error={refusal?.pipeline_id} options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} current={params.get("owner")}
          placeholder="Everyone" error={refusal?.owner} />
        <SelectField label="Chart by" name="by" defaultValue={by}
          options={[{ value: "owner", label: "Owner" }, { value: "pipeline", label: "Pipeline" }]} />
        <button type="submit">Show</button>
      </form>
      {refusal?._schema && <p role="alert" className="alert error">{refusal._schema}</p>}
      {forecast && (
        <>
          <p className="muted">
            {day(forecast.start)} to {day(forecast.end)} · {plural(forecast.totals.count, "deal")} · amounts in {forecast.currency},
            converted with the rates of {day(forecast.rates_date)}.
          </p>
          <MissingRates currencies={forecast.missing_rates} />
          <ul className="cards figures" aria-label="Totals">
            {FIGURES.map((f) => (
              <li key={f.key} className="panel figure">
                <span className="muted">{f.label}</span>
                <strong>{money(forecast.totals[f.key], forecast.currency)}</strong>
              </li>
            ))}
          </ul>
          <ForecastChart forecast={forecast} by={by} pipelineName={pipelineName} />
          <FiguresTable caption="By owner" rows={forecast.by_owner} currency={forecast.currency} totals={forecast.totals}
            name={(row) => (row as Figures & { owner: string | null }).owner ?? "No owner"}
            link={(row) => {
              const owner = (row as Figures & { owner: string | null }).owner;
              return owner ? withParams({ owner }) : undefined;
            }} />
          <FiguresTable caption="By pipeline" rows={forecast.by_pipeline} currency={forecast.currency} totals={forecast.totals}
            name={(row) => pipelineName((row as Figures & { pipeline_id: string }).pipeline_id)}
            link={(row) => `/pipeline/${(row as Figures & { pipeline_id: string }).pipeline_id}${queryString({ owner: params.get("owner") ?? undefined })}`} />
          <p className="muted">
            Open deals count when they are expected to close in the period, won deals when they were won in it. Pipeline is the
            open amounts; weighted, those times their probability; commit, the won amounts plus the open ones in the commit
            category; best case, commit plus the best-case ones.
          </p>
        </>
      )}
    </section>
  );
}

