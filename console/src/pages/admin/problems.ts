// Server refusals of the admin forms: field errors go on their fields (also
// the fields of one row of a list: `rules.3.value` or `rules[3].value`), the
// rest, and the reason of a refusal that is not about one field (409: "the last
// active admin"), into the form's alert.
import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { describe, Problem } from "../../lib/api";
import { applyProblem } from "../../components/forms";

/** applyProblem, plus the problem's own reason when it is a refusal (not a plain validation failure). */
export function refusal<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  known: string[],
  fields: Record<string, string> = {},
): string[] {
  const rest = applyProblem(error, setError, known, fields);
  if (error instanceof Problem && error.status !== 422 && !rest.includes(describe(error))) rest.unshift(describe(error));
  return rest;
}

const ROW = /^([a-z_]+)(?:\.|\[)(\d+)\]?\.([a-z_]+)/;

/**
 * Puts errors of the rows of `list` (e.g. rules) on the row's fields
 * (`<list>.<index>.<form key>`; `keys` maps the API's keys to the form's);
 * returns what belongs to no field, each message prefixed with the row it is
 * about (`rowName(index)`).
 */
export function placeRowErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  list: string,
  keys: Record<string, string>,
  rowName: (index: number) => string,
  fields: string[] = [],
): string[] {
  if (!(error instanceof Problem)) return [describe(error)];
  const rest: string[] = [];
  let placed = false;
  for (const [field, messages] of Object.entries(error.errors)) {
    const row = field.match(ROW);
    if (row && row[1] === list && keys[row[3]]) {
      setError(`${list}.${row[2]}.${keys[row[3]]}` as Path<T>, { type: "server", message: messages.join(" ") });
      placed = true;
    } else if (row && row[1] === list) {
      const where = row[3] === "_schema" ? rowName(Number(row[2])) : `${rowName(Number(row[2]))}, ${row[3]}`;
      rest.push(...messages.map((m) => `${where}: ${m}`));
    } else if (fields.includes(field.split(".")[0])) {
      setError(field.split(".")[0] as Path<T>, { type: "server", message: messages.join(" ") });
      placed = true;
    } else {
      rest.push(...messages.map((m) => (field === "_schema" || field === list ? m : `${field}: ${m}`)));
    }
  }
  if (error.status !== 422 || (!placed && rest.length === 0)) rest.unshift(describe(error));
  else if (placed) rest.unshift(error.detail.startsWith("Some fields") ? "Some fields are invalid: see the marked fields." : `${error.detail} See the marked fields.`);
  return rest;
}
