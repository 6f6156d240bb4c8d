// The forecast as the API returns it (shared/schemas/sales/forecast.py ForecastSchema).
export interface Figures {
  count: number;
  pipeline: string;
  weighted: string;
  best_case: string;
  commit: string;
  closed_won: string;
}

export interface Forecast {
  period: string;
  start: string;
  end: string;
  currency: string;
  rates_date: string;
  totals: Figures;
  by_owner: (Figures & { owner: string | null })[];
  by_pipeline: (Figures & { pipeline_id: string })[];
  missing_rates: string[];
}

export const FIGURES: { key: keyof Omit<Figures, "count">; label: string }[] = [
  { key: "pipeline", label: "Pipeline" },
  { key: "weighted", label: "Weighted" },
  { key: "best_case", label: "Best case" },
  { key: "commit", label: "Commit" },
  { key: "closed_won", label: "Won" },
];
