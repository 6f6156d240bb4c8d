// An opportunity and the pipelines its stages come from, as the API returns
// them (shared/schemas/sales/opportunities.py).
import { get } from "../../lib/api";
import type { Warning } from "../../components/MissingRates";

export interface Opportunity {
  id: string;
  account_id: string;
  primary_contact_id: string | null;
  name: string;
  /** A decimal string, like "12500.00". */
  amount: string;
  currency: string;
  pipeline_id: string;
  stage: string;
  category: "open" | "won" | "lost";
  probability: number;
  probability_overridden: boolean;
  forecast_category: string | null;
  expected_close_date: string;
  closed_on: string | null;
  source: string | null;
  campaign_id: string | null;
  lead_id: string | null;
  owner: string | null;
  next_step: string | null;
  loss_reason: string | null;
  attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  created_by?: string | null;
  version: number;
}

/** What creating or changing one answers: the opportunity and what the save could not do. */
export type SavedOpportunity = Opportunity & { warnings?: Warning[] };

export interface Stage {
  key: string;
  name: string;
  position: number;
  probability: number;
  category: "open" | "won" | "lost";
  forecast_category: string;
  next_stages?: string[] | null;
}

export interface Pipeline {
  id: string;
  name: string;
  is_default: boolean;
  stages: Stage[];
  version: number;
}

export interface StageChange {
  from_stage: string | null;
  to_stage: string;
  probability: number;
  amount: string;
  currency: string;
  changed_by: string | null;
  changed_at: string;
}

export const CATEGORIES = ["open", "won", "lost"] as const;
export const FORECAST_CATEGORIES = ["pipeline", "best_case", "commit", "closed", "omitted"];
export const loadPipelines = (signal?: AbortSignal) =>
  get<{ items: Pipeline[] }>("/pipelines", undefined, signal).then((answer) => answer.items);

export function stageOf(pipelines: Pipeline[], pipelineId: string, key: string): Stage | undefined {
  return pipelines.find((p) => p.id === pipelineId)?.stages.find((s) => s.key === key);
}

export function stageName(pipelines: Pipeline[], pipelineId: string, key: string): string {
  return stageOf(pipelines, pipelineId, key)?.name ?? key;
}

/**
 * The stages an opportunity may move to from `key`: the stage's own list, or
 * the default moves (from an open stage to any other; from won or lost back
 * to an open stage).
 */
export function nextStages(pipeline: Pipeline | undefined, key: string): Stage[] {
  if (!pipeline) return [];
  const current = pipeline.stages.find((s) => s.key === key);
  if (!current) return pipeline.stages;
  if (current.next_stages) return pipeline.stages.filter((s) => current.next_stages!.includes(s.key));
  if (current.category === "open") return pipeline.stages.filter((s) => s.key !== key);
  return pipeline.stages.filter((s) => s.category === "open");
}
