// A new account: the server's reasons show next to their fields; a duplicate
// (same domain, or same name in the same country) links to the one that exists.
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { Link, useNavigate, useSearchParams } from "react-router";
import { post, Problem } from "../../lib/api";
import { label } from "../../lib/format";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import { OwnerSelect } from "../../components/records";
import { useSession } from "../../lib/session";
import { AccountPicker } from "./AccountPicker";
import { ACCOUNT_TYPES, type Account } from "./account";

interface Values {
  name: string;
  domain: string;
  type: string;
  industry: string;
  size: string;
  country: string;
  owner: string;
  parent_id: string;
  street: string;
  postal_code: string;
  city: string;
  region: string;
  address_country: string;
}

const NAMES = ["name", "domain", "type", "industry", "size", "country", "owner", "parent_id",
  "street", "postal_code", "city", "region", "address_country"];
const ADDRESS_ERRORS: Record<string, string> = {
  "addresses.0.street": "street", "addresses.0.postal_code": "postal_code", "addresses.0.city": "city",
  "addresses.0.region": "region", "addresses.0.country": "address_country",
};

export function NewAccount() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [general, setGeneral] = useState<string[]>([]);
  const [existing, setExisting] = useState<string>();
  const { register, handleSubmit, setError, control, formState } = useForm<Values>({
    defaultValues: { type: "prospect", owner: session.user.username, parent_id: params.get("parent_id") ?? "" },
  });
  const submit = async (v: Values) => {
    setGeneral([]);
    setExisting(undefined);
    const body: Record<string, unknown> = { name: v.name, type: v.type };
    for (const key of ["domain", "industry", "country", "owner", "parent_id"] as const) {
      if (v[key]?.trim()) body[key] = v[key].trim();
    }
    if (v.size.trim()) body.size = Number(v.size.trim());
    const address = { street: v.street, postal_code: v.postal_code, city: v.city, region: v.region, country: v.address_country };
    const given = Object.fromEntries(Object.entries(address).filter(([, value]) => value?.trim()));
    if (Object.keys(given).length) body.addresses = [{ kind: "office", ...given }];
    try {
      const account = await post<Account>("/accounts", body);
      navigate(`/accounts/${account.id}`, { replace: true });
    } catch (e) {
      if (e instanceof Problem && e.status === 409 && e.body.existing_id) setExisting(String(e.body.existing_id));
      setGeneral(applyProblem(e, setError, NAMES, ADDRESS_ERRORS));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>New account</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New account">
        <div className="form-grid">
          <TextField label="Name" autoComplete="off" error={err("name")} {...register("name", { required: "An account needs a name." })} />
          <TextField label="Domain" error={err("domain")} hint="Its website, like acme.com" {...register("domain")} />
          <SelectField label="Type" error={err("type")} options={ACCOUNT_TYPES.map((t) => ({ value: t, label: label(t) }))} {...register("type")} />
          <TextField label="Industry" error={err("industry")} {...register("industry")} />
          <TextField label="Employees" type="number" min={0} inputMode="numeric" error={err("size")} {...register("size")} />
          <TextField label="Country" maxLength={2} autoCapitalize="characters" error={err("country")}
            hint="Two-letter ISO code: DE, US, GB… Contacts' national phone numbers are read in it." {...register("country")} />
          <OwnerSelect label="Owner" error={err("owner")} current={session.user.username} {...register("owner")} />
          <Controller control={control} name="parent_id" render={({ field }) => (
            <AccountPicker label="Parent account" value={field.value} onChange={field.onChange} error={err("parent_id")}
              placeholder="(none)" />
          )} />
        </div>
        <fieldset>
          <legend>Office address (optional)</legend>
          <div className="form-grid">
            <TextField label="Street" error={err("street")} {...register("street")} />
            <TextField label="Postal code" error={err("postal_code")} {...register("postal_code")} />
            <TextField label="City" error={err("city")} {...register("city")} />
            <TextField label="Region" error={err("region")} {...register("region")} />
            <TextField label="Address country" maxLength={2} autoCapitalize="characters" error={err("address_country")} {...register("address_country")} />
          </div>
        </fieldset>
        {(general.length > 0 || existing) && (
          <FormAlert>
            {general.map((m) => <p key={m}>{m}</p>)}
            {existing && <p><Link to={`/accounts/${existing}`}>Open the existing account</Link></p>}
          </FormAlert>
        )}
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create account"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
