// The shipping and billing addresses of an order form (new order, draft edit):
// the fields, the form values, the API's shape and where its errors go.
import type { UseFormRegister } from "react-hook-form";
import { TextField } from "../../components/forms";
import type { PostalAddress } from "./order";

export const ADDRESS = ["street", "postal_code", "city", "region", "country"] as const;
export type AddressKey = (typeof ADDRESS)[number];
export type AddressValues = Record<AddressKey, string>;
const ADDRESS_LABEL: Record<AddressKey, string> = {
  street: "Street", postal_code: "Postal code", city: "City", region: "Region", country: "Country",
};

/** The form's values of an address (empty texts for none). */
export function formAddress(a: PostalAddress | null = null): AddressValues {
  return {
    street: a?.street ?? "", postal_code: a?.postal_code ?? "", city: a?.city ?? "", region: a?.region ?? "",
    country: a?.country ?? "",
  };
}

/** An address as the API takes it: the filled fields, trimmed; null when none is. */
export function address(values: AddressValues) {
  const out: Record<string, string> = {};
  for (const key of ADDRESS) if (values[key].trim()) out[key] = values[key].trim();
  return Object.keys(out).length ? out : null;
}

/** The order body's addresses: billing is shipping's unless it differs. */
export function addressBody(v: { ship: AddressValues; bill: AddressValues; billing_differs: boolean }) {
  return { shipping_address: address(v.ship), billing_address: v.billing_differs ? address(v.bill) : address(v.ship) };
}

/** The API's error keys of the addresses -> the form's fields. */
export function addressErrorFields(billingDiffers: boolean): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ADDRESS) {
    fields[`shipping_address.${key}`] = `ship.${key}`;
    fields[`billing_address.${key}`] = billingDiffers ? `bill.${key}` : `ship.${key}`;
  }
  return fields;
}

function AddressFieldset({ which, register, err }: {
  which: "ship" | "bill"; register: UseFormRegister<any>; err: (name: string) => string | undefined;
}) {
  const name = which === "ship" ? "Shipping" : "Billing";
  return (
    <fieldset className="plain">
      <legend>{name} address</legend>
      <div className="form-grid">
        {ADDRESS.map((key) => (
          <TextField key={key} label={`${name} ${ADDRESS_LABEL[key].toLowerCase()}`} error={err(`${which}.${key}`)}
            maxLength={key === "country" ? 2 : undefined} hint={key === "country" ? "Two-letter code, like DE." : undefined}
            {...register(`${which}.${key}`)} />
        ))}
      </div>
    </fieldset>
  );
}

/** The shipping address, "The billing address differs", and then the billing address. */
export function AddressFields({ register, err, differs }: {
  register: UseFormRegister<any>; err: (name: string) => string | undefined; differs: boolean;
}) {
  return (
    <>
      <AddressFieldset which="ship" register={register} err={err} />
      <div className="field">
        <label className="tick"><input type="checkbox" {...register("billing_differs")} /> The billing address differs</label>
      </div>
      {differs && <AddressFieldset which="bill" register={register} err={err} />}
    </>
  );
}
