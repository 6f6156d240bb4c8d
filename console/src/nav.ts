// The main menu: one entry per area, shown only to roles with its permission.
export interface NavItem {
  to: string;
  label: string;
  permission: string;
}

export const NAV: NavItem[] = [
  { to: "/", label: "Home", permission: "self" },
  { to: "/leads", label: "Leads", permission: "leads:read" },
  { to: "/accounts", label: "Accounts", permission: "accounts:read" },
  { to: "/contacts", label: "Contacts", permission: "accounts:read" },
  { to: "/opportunities", label: "Opportunities", permission: "sales:read" },
  { to: "/pipeline", label: "Pipeline", permission: "sales:read" },
  { to: "/forecast", label: "Forecast", permission: "sales:read" },
  { to: "/tasks", label: "Tasks", permission: "sales:read" },
  { to: "/products", label: "Products", permission: "orders:read" },
  { to: "/quotes", label: "Quotes", permission: "orders:read" },
  { to: "/orders", label: "Orders", permission: "orders:read" },
  { to: "/invoices", label: "Invoices", permission: "orders:read" },
  { to: "/cases", label: "Cases", permission: "cases:read" },
  { to: "/support", label: "Support figures", permission: "cases:write" },
  { to: "/kb", label: "Knowledge base", permission: "cases:read" },
  { to: "/campaigns", label: "Campaigns", permission: "campaigns:read" },
  { to: "/segments", label: "Segments", permission: "campaigns:read" },
  { to: "/admin", label: "Admin", permission: "users:admin" },
];
