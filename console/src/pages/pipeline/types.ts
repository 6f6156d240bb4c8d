// Pipelines, opportunities and the board as the API returns them
// (shared/schemas/sales/opportunities.py).
export interface Stage {
  key: string;
  name: string;
  position: number;
  probability: number;
  category: "open" | "won" | "lost";
  forecast_category: string;
  next_stages: string[] | null;
}

export interface Pipeline {
  id: string;
  name: string;
  is_default: boolean;
  stages: Stage[];
  version: number;
}

export interface Opportunity {
  id: string;
  account_id: string;
  name: string;
  amount: string;
  currency: string;
  pipeline_id: string;
  stage: string;
  category: "open" | "won" | "lost";
  probability: number;
  expected_close_date: string;
  closed_on: string | null;
  owner: string | null;
  next_step: string | null;
  loss_reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface BoardStage {
  key: string;
  name: string;
  category: "open" | "won" | "lost";
  probability: number;
  count: number;
  amount: string;
  weighted_amount: string;
  items: Opportunity[];
}

export interface Board {
  pipeline: Pipeline;
  currency: string;
  stages: BoardStage[];
  missing_rates: string[];
}

/** The stages an opportunity in `current` may move to (the service's rule: services/sales/opportunities/stages.py). */
export function allowedTargets(stages: Stage[], current: string): Stage[] {
  const ordered = [...stages].sort((a, b) => a.position - b.position);
  const here = ordered.find((s) => s.key === current);
  if (!here) return ordered;
  if (here.next_stages) return ordered.filter((s) => here.next_stages!.includes(s.key) && s.key !== current);
  if (here.category === "open") return ordered.filter((s) => s.key !== current);
  return ordered.filter((s) => s.category === "open");
}
