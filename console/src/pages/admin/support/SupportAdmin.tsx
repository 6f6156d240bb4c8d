// /admin/support: the support administration's pages.
import { Link } from "react-router";

export const SUPPORT_ADMIN_PAGES = [
  { to: "/admin/support/sla-policies", title: "SLA policies", text: "Response and resolution targets in business hours, chosen by priority, channel and account." },
  { to: "/admin/support/calendars", title: "Calendars", text: "Business hours per weekday, public holidays and the company's own dates." },
  { to: "/admin/support/teams", title: "Support teams", text: "Teams, their members and lead, and how new cases get an owner." },
  { to: "/admin/support/routing-rules", title: "Routing rules", text: "Which team a new case goes to; test a case against them." },
  { to: "/admin/support/escalation-rules", title: "Escalation rules", text: "What happens on an SLA warning or breach." },
  { to: "/admin/support/mail", title: "Support mail", text: "The outgoing queue, failures to send again, and the polled mailbox." },
];

export function SupportAdmin() {
  return (
    <section>
      <h1>Support administration</h1>
      <ul className="cards admin-cards">
        {SUPPORT_ADMIN_PAGES.map((page) => (
          <li key={page.to} className="panel">
            <h2><Link to={page.to}>{page.title}</Link></h2>
            <p className="muted">{page.text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
