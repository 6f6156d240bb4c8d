// Marketing: campaigns (with their sends, funnel and ROI), email templates,
// segments (the builder with its live count), static lists and the
// suppression list. Each page's code is downloaded when it is first opened.
import type { RouteObject } from "react-router";
import type { CampaignData } from "./CampaignPage";
import type { SegmentData } from "./SegmentPage";
import type { TemplateData } from "./TemplateEditor";
import type { ListData } from "./Lists";

export const campaignsRoutes: RouteObject[] = [
  {
    path: "campaigns",
    handle: { crumb: "Campaigns" },
    children: [
      {
        index: true, handle: { title: "Campaigns" },
        lazy: async () => {
          const m = await import("./CampaignList");
          return { loader: m.campaignListLoader, Component: m.CampaignList };
        },
      },
      {
        path: "new", handle: { crumb: "New campaign" },
        lazy: async () => {
          const m = await import("./CampaignForm");
          return { loader: m.campaignFormLoader, Component: m.NewCampaign };
        },
      },
      {
        path: "templates",
        handle: { crumb: "Email templates" },
        children: [
          {
            index: true, handle: { title: "Email templates" },
            lazy: async () => {
              const m = await import("./TemplateList");
              return { loader: m.templateListLoader, Component: m.TemplateList };
            },
          },
          {
            path: "new", handle: { crumb: "New template" },
            lazy: async () => ({ Component: (await import("./TemplateEditor")).NewTemplate }),
          },
          {
            path: ":templateId",
            handle: { crumb: (data: TemplateData | undefined) => data?.template.name ?? "Template" },
            lazy: async () => {
              const m = await import("./TemplateEditor");
              return { loader: m.templateLoader, Component: m.EditTemplate };
            },
          },
        ],
      },
      {
        id: "campaign",
        path: ":campaignId",
        handle: { crumb: (data: CampaignData | undefined) => data?.campaign.name ?? "Campaign" },
        lazy: async () => ({ loader: (await import("./CampaignPage")).campaignLoader }),
        children: [
          {
            index: true,
            lazy: async () => ({ Component: (await import("./CampaignPage")).CampaignPage }),
          },
          {
            path: "edit", handle: { crumb: "Edit", title: "Edit campaign" },
            lazy: async () => {
              const m = await import("./CampaignForm");
              return { loader: m.campaignFormLoader, Component: m.EditCampaign };
            },
          },
          {
            path: "sends/new", handle: { crumb: "New send", title: "New send" },
            lazy: async () => {
              const m = await import("./Sends");
              return { loader: m.newSendLoader, Component: m.NewSend };
            },
          },
          {
            path: "sends/:sendId", handle: { crumb: "Send", title: "Send progress" },
            lazy: async () => {
              const m = await import("./Sends");
              return { loader: m.sendLoader, Component: m.SendPage };
            },
          },
        ],
      },
    ],
  },
  {
    path: "segments",
    handle: { crumb: "Segments" },
    children: [
      {
        index: true, handle: { title: "Segments" },
        lazy: async () => {
          const m = await import("./SegmentList");
          return { loader: m.segmentListLoader, Component: m.SegmentList };
        },
      },
      {
        path: "new", handle: { crumb: "New segment" },
        lazy: async () => {
          const m = await import("./SegmentBuilder");
          return { loader: m.builderLoader, Component: m.NewSegment };
        },
      },
      {
        path: "lists",
        handle: { crumb: "Static lists" },
        children: [
          {
            index: true, handle: { title: "Static lists" },
            lazy: async () => {
              const m = await import("./Lists");
              return { loader: m.listsLoader, Component: m.ListIndex };
            },
          },
          {
            path: ":listId",
            handle: { crumb: (data: ListData | undefined) => data?.list.name ?? "List" },
            lazy: async () => {
              const m = await import("./Lists");
              return { loader: m.listLoader, Component: m.ListPage };
            },
          },
        ],
      },
      {
        path: "suppressions", handle: { crumb: "Suppression list" },
        lazy: async () => {
          const m = await import("./Suppressions");
          return { loader: m.suppressionsLoader, Component: m.Suppressions };
        },
      },
      {
        id: "segment",
        path: ":segmentId",
        handle: { crumb: (data: SegmentData | undefined) => data?.segment.name ?? "Segment" },
        shouldRevalidate: ({ currentUrl, defaultShouldRevalidate }) => currentUrl.pathname.endsWith("/edit") || defaultShouldRevalidate,
        lazy: async () => ({ loader: (await import("./SegmentPage")).segmentLoader }),
        children: [
          {
            index: true,
            lazy: async () => ({ Component: (await import("./SegmentPage")).SegmentPage }),
          },
          {
            path: "edit", handle: { crumb: "Edit", title: "Edit segment" },
            lazy: async () => {
              const m = await import("./SegmentBuilder");
              return { loader: m.builderLoader, Component: m.EditSegment };
            },
          },
        ],
      },
    ],
  },
];
