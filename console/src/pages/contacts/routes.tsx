import type { RouteObject } from "react-router";
import { ContactList, contactListLoader } from "./ContactList";
import { ContactPage, contactLoader } from "./ContactPage";
import { NewContact } from "./NewContact";
import { contactName, type Contact } from "./contact";

export const contactsRoutes: RouteObject[] = [
  {
    path: "contacts",
    handle: { crumb: "Contacts" },
    children: [
      { index: true, loader: contactListLoader, element: <ContactList />, handle: { title: "Contacts" } },
      { path: "new", element: <NewContact />, handle: { crumb: "New contact" } },
      {
        path: ":contactId",
        loader: contactLoader,
        element: <ContactPage />,
        handle: { crumb: (data: { contact: Contact } | undefined) => (data ? contactName(data.contact) : "Contact") },
      },
    ],
  },
];
