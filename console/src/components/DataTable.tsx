// Lists: TanStack Table for the table model; sort, cursor and filters live in
// the URL (so Back restores them and a link shares them).
import { useMemo } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowSelectionState,
  type OnChangeFn,
} from "@tanstack/react-table";

declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData, TValue> {
    /** The API's sort key for this column (`sort=<key>` / `sort=-<key>`). */
    sortKey?: string;
    numeric?: boolean;
  }
}

interface Props<T> {
  caption: string;
  columns: ColumnDef<T, any>[];
  data: T[];
  rowId: (row: T) => string;
  selection?: RowSelectionState;
  onSelectionChange?: OnChangeFn<RowSelectionState>;
  empty?: React.ReactNode;
}

export function useSortParam(): [string | null, (key: string) => void] {
  const [params, setParams] = useSearchParams();
  const sort = params.get("sort");
  const toggle = (key: string) => {
    const next = new URLSearchParams(params);
    next.set("sort", sort === key ? `-${key}` : key);
    next.delete("cursor");
    setParams(next);
  };
  return [sort, toggle];
}

export function DataTable<T>({ caption, columns, data, rowId, selection, onSelectionChange, empty }: Props<T>) {
  const [sort, toggle] = useSortParam();
  const selectable = Boolean(onSelectionChange);
  const allColumns = useMemo<ColumnDef<T, any>[]>(() => {
    if (!selectable) return columns;
    return [
      {
        id: "select",
        header: ({ table }) => (
          <input type="checkbox" aria-label="Select all rows on this page" checked={table.getIsAllRowsSelected()}
            ref={(el) => { if (el) el.indeterminate = table.getIsSomeRowsSelected(); }}
            onChange={table.getToggleAllRowsSelectedHandler()} />
        ),
        cell: ({ row }) => (
          <input type="checkbox" aria-label={`Select row ${row.index + 1}`} checked={row.getIsSelected()}
            onChange={row.getToggleSelectedHandler()} />
        ),
      },
      ...columns,
    ];
  }, [columns, selectable]);

  const table = useReactTable({
    data,
    columns: allColumns,
    getRowId: rowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    enableRowSelection: selectable,
    state: { rowSelection: selection ?? {} },
    onRowSelectionChange: onSelectionChange,
  });

  return (
    <div className="table-wrap">
      <table className="list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const key = header.column.columnDef.meta?.sortKey;
                const state = sort === key ? "ascending" : sort === `-${key}` ? "descending" : undefined;
                const content = flexRender(header.column.columnDef.header, header.getContext());
                return (
                  <th key={header.id} scope="col" aria-sort={key ? state ?? "none" : undefined}
                    className={header.column.columnDef.meta?.numeric ? "num" : undefined}>
                    {key ? (
                      <button type="button" className="sort" onClick={() => toggle(key)}>
                        {content}
                        <span aria-hidden="true" className="sort-mark">
                          {state === "ascending" ? " ▲" : state === "descending" ? " ▼" : " ↕"}
                        </span>
                      </button>
                    ) : content}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} className={row.getIsSelected() ? "selected" : undefined}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} data-label={typeof cell.column.columnDef.header === "string" ? cell.column.columnDef.header : undefined}
                  className={cell.column.columnDef.meta?.numeric ? "num" : undefined}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {data.length === 0 && <p className="empty">{empty ?? "Nothing matches these filters."}</p>}
    </div>
  );
}

/** Keyset pages: "Next page" carries the cursor in the URL; Back returns. */
export function Pager({ nextCursor }: { nextCursor: string | null | undefined }) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const hasCursor = params.has("cursor");
  const next = new URLSearchParams(params);
  if (nextCursor) next.set("cursor", nextCursor);
  const first = new URLSearchParams(params);
  first.delete("cursor");
  if (!hasCursor && !nextCursor) return null;
  return (
    <nav aria-label="Pages" className="pager">
      {hasCursor && <Link to={{ search: first.toString() }}>First page</Link>}
      {nextCursor && <Link to={{ search: next.toString() }} rel="next">Next page</Link>}
    </nav>
  );
}
