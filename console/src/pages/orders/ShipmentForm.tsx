// "New shipment": how many of each line leave now (by default all that is
// left), the carrier and tracking number. The server's reasons go next to
// their fields: "lines.1.quantity" is the second line sent.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { post, Problem } from "../../lib/api";
import { applyProblem, FormAlert, TextField } from "../../components/forms";
import { compare, decimal, isDecimal, subtract } from "./money";
import type { Order, Shipment } from "./order";

type Values = Record<string, string>;

export function ShipmentForm({ order, onShipped, onCancel }: {
  order: Order;
  onShipped: (shipment: Shipment) => void;
  onCancel: () => void;
}) {
  const open = order.lines.map((line) => ({ line, left: subtract(line.quantity, line.shipped_quantity) }))
    .filter(({ left }) => compare(left, "0") > 0);
  const defaults: Values = { carrier: "", tracking_number: "" };
  for (const { line, left } of open) defaults[`qty_${line.id}`] = left;
  const { register, handleSubmit, setError, formState } = useForm<Values>({ defaultValues: defaults });
  const [general, setGeneral] = useState<string[]>([]);

  const submit = async (values: Values) => {
    setGeneral([]);
    const sent = open.filter(({ line }) => (values[`qty_${line.id}`] ?? "").trim() && compare(values[`qty_${line.id}`].trim(), "0") !== 0);
    let bad = false;
    for (const { line } of open) {
      const text = (values[`qty_${line.id}`] ?? "").trim();
      if (text && !isDecimal(text)) {
        setError(`qty_${line.id}`, { type: "client", message: "Give a quantity like 2 or 1.5 (empty or 0: not in this shipment)." });
        bad = true;
      }
    }
    if (bad) return;
    if (sent.length === 0) {
      setGeneral(["Give a quantity for at least one line."]);
      return;
    }
    const body = {
      lines: sent.map(({ line }) => ({ order_line_id: line.id, quantity: values[`qty_${line.id}`].trim() })),
      carrier: values.carrier.trim() || null,
      tracking_number: values.tracking_number.trim() || null,
    };
    try {
      onShipped(await post<Shipment>(`/orders/${order.id}/shipments`, body));
    } catch (e) {
      // lines.N.<field> -> the quantity field of the Nth line sent.
      const fields: Record<string, string> = {};
      if (e instanceof Problem) {
        for (const key of Object.keys(e.errors)) {
          const match = /^lines\.(\d+)(?:\.\w+)?$/.exec(key);
          if (match && sent[Number(match[1])]) fields[key] = `qty_${sent[Number(match[1])].line.id}`;
        }
      }
      setGeneral(applyProblem(e, setError, ["carrier", "tracking_number", ...Object.values(fields)], fields));
    }
  };

  if (open.length === 0) return <p className="muted">Every line has shipped in full.</p>;
  return (
    <form className="panel inset" onSubmit={handleSubmit(submit)} noValidate aria-label="New shipment">
      <h3>New shipment</h3>
      <fieldset className="plain">
        <legend>Quantities shipping now (empty or 0: not in this shipment)</legend>
        <div className="form-grid">
          {open.map(({ line, left }, index) => (
            <TextField key={line.id} label={`${line.name}${line.sku ? ` (${line.sku})` : ""}`} inputMode="decimal"
              autoFocus={index === 0} hint={`${decimal(left)} of ${decimal(line.quantity)} left to ship.`}
              error={formState.errors[`qty_${line.id}`]?.message} {...register(`qty_${line.id}`)} />
          ))}
        </div>
      </fieldset>
      <div className="form-grid">
        <TextField label="Carrier" error={formState.errors.carrier?.message} maxLength={100} {...register("carrier")} />
        <TextField label="Tracking number" error={formState.errors.tracking_number?.message} maxLength={100} {...register("tracking_number")} />
      </div>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Record shipment</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
