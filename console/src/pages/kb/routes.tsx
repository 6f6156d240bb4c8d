// The knowledge base: search and list, an article's page, its versions and
// their diff, and the editor. Each page's code is downloaded when it is first opened.
import type { RouteObject } from "react-router";
import type { ArticleData } from "./ArticlePage";

export const kbRoutes: RouteObject[] = [
  {
    path: "kb",
    handle: { crumb: "Knowledge base" },
    children: [
      {
        index: true, handle: { title: "Knowledge base" },
        lazy: async () => {
          const m = await import("./ArticleList");
          return { loader: m.articleListLoader, Component: m.ArticleList };
        },
      },
      {
        path: "new", handle: { crumb: "New article" },
        lazy: async () => {
          const m = await import("./ArticleEditor");
          return { loader: m.newArticleLoader, Component: m.NewArticle };
        },
      },
      {
        id: "article",
        path: ":articleId",
        // Back from the editor the article is read again (it changed there).
        shouldRevalidate: ({ currentUrl, defaultShouldRevalidate }) => currentUrl.pathname.endsWith("/edit") || defaultShouldRevalidate,
        handle: { crumb: (data: ArticleData | undefined) => data?.article.title ?? "Article" },
        lazy: async () => ({ loader: (await import("./ArticlePage")).articleLoader }),
        children: [
          {
            index: true,
            lazy: async () => {
              const m = await import("./ArticlePage");
              return { loader: m.articleRelatedLoader, Component: m.ArticlePage };
            },
          },
          {
            path: "edit", handle: { crumb: "Edit", title: "Edit article" },
            lazy: async () => ({ Component: (await import("./ArticleEditor")).EditArticle }),
          },
          {
            path: "versions", handle: { crumb: "Versions", title: "Versions" },
            lazy: async () => {
              const m = await import("./ArticleVersions");
              return { loader: m.versionsLoader, Component: m.ArticleVersions };
            },
          },
        ],
      },
    ],
  },
];
