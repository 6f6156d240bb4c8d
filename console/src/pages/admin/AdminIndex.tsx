// /admin: the admin pages this role may open.
import { Link } from "react-router";
import { useCan } from "../../lib/session";

const PAGES = [
  { to: "/admin/users", title: "Users", text: "Create users, change roles, deactivate, set passwords.", permission: "users:admin" },
  { to: "/admin/tokens", title: "API tokens", text: "Anyone's API tokens; revoke one that leaked.", permission: "users:admin" },
  { to: "/admin/audit", title: "Audit trail", text: "Who changed users, roles and tokens, and console sign-ins.", permission: "users:admin" },
  { to: "/admin/scoring", title: "Scoring rules", text: "How leads are scored; preview on real leads before saving.", permission: "leads:admin" },
  { to: "/admin/assignment", title: "Assignment rules", text: "Who gets new leads: round robin and territories.", permission: "leads:admin" },
  { to: "/admin/pipelines", title: "Pipelines", text: "Sales pipelines and their stages.", permission: "sales:admin" },
  { to: "/admin/exchange-rates", title: "Exchange rates", text: "Rates into the reporting currency for sums and the forecast.", permission: "sales:admin" },
  { to: "/products", title: "Products", text: "The catalog: SKUs, units, tax categories; what quotes and orders sell.", permission: "orders:admin" },
  { to: "/price-books", title: "Price books", text: "Prices per product and currency, with validity dates and volume tiers.", permission: "orders:admin" },
  { to: "/tax-rates", title: "Tax rates", text: "Rates per tax category and country, with validity dates.", permission: "orders:admin" },
  { to: "/admin/support/sla-policies", title: "SLA policies", text: "Support response and resolution targets in business hours.", permission: "support:admin" },
  { to: "/admin/support/calendars", title: "Calendars", text: "Business hours, public holidays and own dates the SLA clocks count in.", permission: "support:admin" },
  { to: "/admin/support/teams", title: "Support teams", text: "Teams, members, leads and how new cases get an owner.", permission: "support:admin" },
  { to: "/admin/support/routing-rules", title: "Routing rules", text: "Which team a new case goes to; test a case against them.", permission: "support:admin" },
  { to: "/admin/support/escalation-rules", title: "Escalation rules", text: "Emails, team moves and priority raises on SLA warnings and breaches.", permission: "support:admin" },
  { to: "/admin/support/mail", title: "Support mail", text: "Outgoing queue, failures to send again, the polled mailbox.", permission: "support:admin" },
];

export function AdminIndex() {
  const can = useCan();
  const pages = PAGES.filter((page) => can(page.permission));
  return (
    <section>
      <h1>Admin</h1>
      {pages.length === 0 && <p className="alert info">Your role has no admin pages. Ask an admin if you need one.</p>}
      <ul className="cards admin-cards">
        {pages.map((page) => (
          <li key={page.to} className="panel">
            <h2><Link to={page.to}>{page.title}</Link></h2>
            <p className="muted">{page.text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
