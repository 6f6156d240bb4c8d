// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import { contactName, type Contact } from "./contact";

export const contactsRoutes: RouteObject[] = [
  {
    path: "contacts",
    handle: { crumb: "Contacts" },
    children: [
      {
        index: true, handle: { title: "Contacts" },
        lazy: async () => {
          const m = await import("./ContactList");
          return { loader: m.contactListLoader, Component: m.ContactList };
        },
      },
      { path: "new", handle: { crumb: "New contact" }, lazy: async () => ({ Component: (await import("./NewContact")).NewContact }) },
      {
        path: ":contactId",
        handle: { crumb: (data: { contact: Contact } | undefined) => (data ? contactName(data.contact) : "Contact") },
        lazy: async () => {
          const m = await import("./ContactPage");
          return { loader: m.contactLoader, Component: m.ContactPage };
        },
      },
    ],
  },
];
