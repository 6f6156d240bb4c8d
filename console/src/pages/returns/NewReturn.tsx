// "New return" of an order: how many of each delivered line come back (never
// more than delivered minus already returned), why, and what the customer
// gets (a refund makes a credit note; a replacement nothing financial).
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useNavigate } from "react-router";
import { post, Problem } from "../../lib/api";
import { label } from "../../lib/format";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { compare, decimal, isDecimal, subtract } from "../orders/money";
import { useOrder } from "../orders/OrderPage";
import { RESOLUTIONS, RETURN_REASONS, type Return } from "./rma";

type Values = Record<string, string>;

export function NewReturn() {
  const { order } = useOrder();
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const open = order.lines.map((line) => ({ line, left: subtract(line.delivered_quantity, line.returned_quantity) }))
    .filter(({ left }) => compare(left, "0") > 0);
  const defaults: Values = { reason: "", resolution: "refund", note: "" };
  for (const { line } of open) defaults[`qty_${line.id}`] = "";
  const { register, handleSubmit, setError, watch, formState } = useForm<Values>({ defaultValues: defaults });

  const submit = async (values: Values) => {
    setGeneral([]);
    let bad = false;
    for (const { line } of open) {
      const text = (values[`qty_${line.id}`] ?? "").trim();
      if (text && !isDecimal(text)) {
        setError(`qty_${line.id}`, { type: "client", message: "Give a quantity like 1 or 0.5 (empty: nothing of this line)." });
        bad = true;
      }
    }
    if (bad) return;
    const sent = open.filter(({ line }) => (values[`qty_${line.id}`] ?? "").trim() && compare(values[`qty_${line.id}`].trim(), "0") !== 0);
    if (sent.length === 0) {
      setGeneral(["Give the quantity coming back for at least one line."]);
      return;
    }
    const body = {
      lines: sent.map(({ line }) => ({ order_line_id: line.id, quantity: values[`qty_${line.id}`].trim() })),
      reason: values.reason,
      resolution: values.resolution,
      note: values.note.trim() || null,
    };
    try {
      const made = await post<Return>(`/orders/${order.id}/returns`, body);
      navigate(`/returns/${made.id}`, { replace: true });
    } catch (e) {
      const fields: Record<string, string> = {};
      if (e instanceof Problem) {
        for (const key of Object.keys(e.errors)) {
          const match = /^lines\.(\d+)(?:\.\w+)?$/.exec(key);
          if (match && sent[Number(match[1])]) fields[key] = `qty_${sent[Number(match[1])].line.id}`;
        }
      }
      setGeneral(applyProblem(e, setError, ["reason", "resolution", "note", ...Object.values(fields)], fields));
    }
  };

  if (open.length === 0) {
    return (
      <section>
        <h1>New return of order {order.number}</h1>
        <p className="alert info">Nothing of this order can be returned: only delivered quantities not yet returned can.
          {" "}<Link to={`/orders/${order.id}`}>Back to the order</Link>.</p>
      </section>
    );
  }
  const reason = watch("reason");
  return (
    <section>
      <h1>New return of order {order.number}</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New return">
        <fieldset className="plain">
          <legend>Quantities coming back (empty: nothing of that line)</legend>
          <div className="form-grid">
            {open.map(({ line, left }) => (
              <TextField key={line.id} label={`${line.name}${line.sku ? ` (${line.sku})` : ""}`} inputMode="decimal"
                hint={`Up to ${decimal(left)} (delivered ${decimal(line.delivered_quantity)}, returned ${decimal(line.returned_quantity)}).`}
                error={formState.errors[`qty_${line.id}`]?.message} {...register(`qty_${line.id}`)} />
            ))}
          </div>
        </fieldset>
        <div className="form-grid">
          <SelectField label="Reason" placeholder="Pick a reason" error={formState.errors.reason?.message}
            options={RETURN_REASONS.map((r) => ({ value: r, label: label(r) }))}
            {...register("reason", { required: "Pick why the goods come back." })} />
          <SelectField label="Resolution" error={formState.errors.resolution?.message}
            hint="A refund makes a credit note for what was invoiced of these lines."
            options={RESOLUTIONS.map((r) => ({ value: r, label: label(r) }))} {...register("resolution")} />
        </div>
        <TextArea label="Note" error={formState.errors.note?.message} maxLength={2000}
          hint={reason === "other" ? "Needed when the reason is Other: say what is wrong." : undefined} {...register("note")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>Create return</button>
          <Link className="button secondary" to={`/orders/${order.id}`}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}
