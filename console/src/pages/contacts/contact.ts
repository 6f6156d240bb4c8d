// A contact as the API returns it (shared/schemas/sales/contacts.py ContactSchema).
export interface Contact {
  id: string;
  account_id: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  emails: string[];
  phones: string[];
  /** The phones as they were typed, in the order of `phones`. */
  phones_text?: string[];
  role: string | null;
  do_not_call: boolean;
  do_not_email: boolean;
  owner: string | null;
  attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  created_by?: string | null;
  version: number;
}

export const CONTACT_ROLES = ["decision_maker", "evaluator", "influencer", "user"];

export function contactName(contact: Pick<Contact, "first_name" | "last_name" | "emails" | "id">): string {
  return [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.emails[0] || contact.id.slice(0, 8);
}
