// A lead as the API returns it (shared/schemas/leads.py LeadSchema).
export interface Lead {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  phone_text?: string | null;
  company: string | null;
  title: string | null;
  industry: string | null;
  country: string | null;
  company_size: number | null;
  source: string;
  campaign_id: string | null;
  notes: string | null;
  attributes: Record<string, unknown>;
  status: string;
  status_reason: string | null;
  owner: string | null;
  score: number;
  engagement: number;
  merged_into: string | null;
  converted_account_id: string | null;
  converted_contact_id: string | null;
  converted_opportunity_id: string | null;
  converted_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export const LEAD_STATUSES = ["new", "working", "qualified", "disqualified", "converted"];
export const LEAD_SOURCES = ["web_form", "import", "campaign", "referral", "partner", "event", "manual", "other"];

export function leadName(lead: Pick<Lead, "first_name" | "last_name" | "email" | "company" | "id">): string {
  return [lead.first_name, lead.last_name].filter(Boolean).join(" ") || lead.email || lead.company || lead.id.slice(0, 8);
}
