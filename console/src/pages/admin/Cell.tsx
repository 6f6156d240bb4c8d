// A cell of an editable table: one control labelled "<column> of <row>" for
// assistive technology (on phones, where rows become cards, the column's name
// shows beside it) and its error.
import { useId, type ReactNode } from "react";

export function Cell({ column, row, error, className, children }: {
  column: string;
  row: string;
  error?: string;
  className?: string;
  children: (aria: { "aria-label": string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  return (
    <td data-label={column} className={className}>
      {children({ "aria-label": `${column} of ${row}`, "aria-invalid": error ? true : undefined, "aria-describedby": error ? id : undefined })}
      {error && <small id={id} className="field-error">{error}</small>}
    </td>
  );
}
