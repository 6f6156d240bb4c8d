// /orders/:orderId/edit: a draft order's lines (replaced whole and priced
// again from the order's price book, the totals the server's, live as they
// change) and its shipping and billing addresses. Saved with If-Match (412:
// someone changed it meanwhile, reload); every reason the server gives shows
// next to its field (lines.2.quantity), then back to the order's page.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useNavigate } from "react-router";
import { Problem, request } from "../../lib/api";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert } from "../../components/forms";
import { LineEditor, lineErrorFields, lineInput, type LineValues } from "./LineEditor";
import { decimal } from "./money";
import { AddressFields, addressBody, addressErrorFields, formAddress, type AddressValues } from "./addresses";
import { addressLine, type Order, type OrderLine } from "./order";
import { useOrder } from "./OrderPage";

interface Values {
  ship: AddressValues;
  billing_differs: boolean;
  bill: AddressValues;
  lines: LineValues[];
}

/** A stored line as the form's line: a typed price stays typed, a book price is left to the book, a discount
 *  amount is carried through as it is. */
function formLine(line: OrderLine): LineValues {
  return {
    product_id: line.product_id ?? "",
    product_label: line.product_id ? `${line.sku ?? ""} · ${line.name}` : "",
    name: line.product_id ? "" : line.name,
    quantity: decimal(line.quantity),
    unit_price: line.price_overridden || !line.product_id ? decimal(line.unit_price) : "",
    discount_percent: line.discount_percent ? decimal(line.discount_percent) : "",
    discount_amount: line.discount_amount ?? "",
  };
}

function defaults(order: Order): Values {
  const billing = order.billing_address;
  return {
    ship: formAddress(order.shipping_address),
    billing_differs: Boolean(billing) && addressLine(billing) !== addressLine(order.shipping_address),
    bill: formAddress(billing),
    lines: order.lines.map(formLine),
  };
}

export function EditOrder() {
  const { order, etag } = useOrder();
  const can = useCan();
  const heading = `Edit order ${order.number}`;
  if (!can("orders:write")) {
    return (
      <section>
        <h1>{heading}</h1>
        <p className="alert info">Your role cannot change orders. <Link to={`/orders/${order.id}`}>Back to the order</Link>.</p>
      </section>
    );
  }
  if (order.status !== "draft") {
    return (
      <section>
        <h1>{heading}</h1>
        <p className="alert info">
          Only a draft can be changed; this order is {order.status.replace("_", " ")}.{" "}
          <Link to={`/orders/${order.id}`}>Back to the order</Link>.
        </p>
      </section>
    );
  }
  return <EditOrderForm key={`${order.id}/${order.version}`} order={order} etag={etag} heading={heading} />;
}

function EditOrderForm({ order, etag, heading }: { order: Order; etag?: string; heading: string }) {
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const { register, handleSubmit, setError, setValue, control, watch, formState } = useForm<Values>({
    defaultValues: defaults(order),
  });

  const submit = async (v: Values) => {
    setGeneral([]);
    setStale(false);
    const body = {
      lines: v.lines.map(lineInput),
      ...addressBody(v),
    };
    try {
      await request<Order>(`/orders/${order.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${order.version}"` });
      navigate(`/orders/${order.id}`, { replace: true, state: { message: "Saved." } });
    } catch (e) {
      if (e instanceof Problem && e.status === 412) {
        setStale(true);
        return;
      }
      const fields: Record<string, string> = { ...lineErrorFields(e), ...addressErrorFields(v.billing_differs) };
      setGeneral(applyProblem(e, setError, ["lines", ...Object.values(fields)], fields));
    }
  };
  const err = (name: string): string | undefined => {
    let node: any = formState.errors;
    for (const part of name.split(".")) node = node?.[part];
    return node?.message;
  };
  const differs = watch("billing_differs");
  return (
    <section>
      <h1>{heading}</h1>
      <p className="muted">
        Prices come from the order's price book ({order.currency}, tax of {order.tax_country}); the lines are replaced
        and priced again when you save.
      </p>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label={heading}>
        <LineEditor control={control} register={register} setValue={setValue} errors={formState.errors as any}
          lines={watch("lines")}
          context={{ currency: order.currency, price_book_id: order.price_book_id ?? "", tax_country: order.tax_country }} />

        <AddressFields register={register} err={err} differs={differs} />
        {stale && (
          <div role="alert" className="alert error">
            <p>Someone changed this order after you opened it, so your changes were not saved.</p>
            <p><a href={window.location.href}>Reload the page</a> to see their change, then edit again.</p>
          </div>
        )}
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Saving…" : "Save draft"}</button>
          <Link className="button secondary" to={`/orders/${order.id}`}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}
