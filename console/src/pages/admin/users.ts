// Users as the API shows them (gateway/schemas.py UserSchema) and their audit events.
export interface AdminUser {
  id: string;
  username: string;
  display_name: string | null;
  role: string;
  active: boolean;
  has_password: boolean;
  created_at: string;
}

export const ROLES = ["admin", "sales", "support", "marketing", "finance", "readonly"];

export const ROLE_HELP: Record<string, string> = {
  admin: "everything, including users, rules, pipelines, exchange rates and the catalog",
  sales: "leads, accounts, contacts, opportunities, activities, quotes and orders",
  support: "reads leads, accounts and contacts",
  marketing: "leads (and reads accounts and contacts)",
  finance: "issues invoices, records payments and credit notes (and reads orders)",
  readonly: "reads everything but users",
};

export const PASSWORD_RULE = { value: 12, message: "At least 12 characters." };

export function userName(user: Pick<AdminUser, "username" | "display_name">): string {
  return user.display_name ? `${user.display_name} (${user.username})` : user.username;
}

export interface AuditEvent {
  id: number;
  occurred_at: string;
  actor_id: string | null;
  actor: string;
  action: string;
  user_id: string;
  username: string;
  token_id: string | null;
  changes: Record<string, unknown>;
}

export const AUDIT_ACTIONS = ["user.created", "user.updated", "user.deleted", "token.created", "token.revoked",
  "session.created", "session.revoked"];

export const AUDIT_LABELS: Record<string, string> = {
  "user.created": "User created",
  "user.updated": "User changed",
  "user.deleted": "User deleted",
  "token.created": "API token created",
  "token.revoked": "API token revoked",
  "session.created": "Signed in to the console",
  "session.revoked": "Signed out of the console",
};
