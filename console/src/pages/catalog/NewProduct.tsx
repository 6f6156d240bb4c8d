// /products/new (admins): a product's SKU, name, family, unit and tax category.
// The server's reasons (a taken SKU, an unknown category) go on their fields.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, type LoaderFunctionArgs } from "react-router";
import { post } from "../../lib/api";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { loadTaxCategories, type Product, type TaxCategory } from "./catalog";

export async function newProductLoader({ request: req }: LoaderFunctionArgs): Promise<TaxCategory[]> {
  return loadTaxCategories(req.signal);
}

interface Values {
  sku: string;
  name: string;
  description: string;
  family: string;
  unit: string;
  tax_category: string;
  active: string;
}

const NAMES = ["sku", "name", "description", "family", "unit", "tax_category", "active"];

export function NewProduct() {
  const categories = useLoaderData() as TaxCategory[];
  const navigate = useNavigate();
  const can = useCan();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    defaultValues: { unit: "each", tax_category: categories.some((c) => c.code === "standard") ? "standard" : "", active: "true" },
  });
  const submit = async (v: Values) => {
    setGeneral([]);
    const body: Record<string, unknown> = { active: v.active === "true" };
    for (const key of ["sku", "name", "description", "family", "unit", "tax_category"] as const) {
      if (v[key]?.trim()) body[key] = v[key].trim();
    }
    try {
      const product = await post<Product>("/products", body);
      navigate(`/products/${product.id}`, { replace: true });
    } catch (e) {
      setGeneral(applyProblem(e, setError, NAMES));
    }
  };
  const err = (name: keyof Values) => formState.errors[name]?.message;
  if (!can("orders:admin")) {
    return (
      <section>
        <h1>New product</h1>
        <p className="alert info">Only admins add products. <Link to="/products">Back to the products</Link>.</p>
      </section>
    );
  }
  return (
    <section>
      <h1>New product</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New product">
        <div className="form-grid">
          <TextField label="SKU" autoComplete="off" error={err("sku")} hint="Unique, like WID-100 (case does not matter)."
            {...register("sku", { required: "Give the product's SKU, like WID-100." })} />
          <TextField label="Name" autoComplete="off" error={err("name")} {...register("name", { required: "Give the product a name." })} />
          <TextField label="Family" error={err("family")} hint="A group, like Hardware or Services." {...register("family")} />
          <TextField label="Unit" error={err("unit")} hint="Unit of measure, like each, h or kg." {...register("unit")} />
          <SelectField label="Tax category" error={err("tax_category")} placeholder="Pick a tax category"
            options={categories.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` }))}
            {...register("tax_category", { required: "Pick the tax category its rate comes from." })} />
          <SelectField label="Status" error={err("active")} options={[{ value: "true", label: "Active (can be sold)" }, { value: "false", label: "Inactive" }]}
            {...register("active")} />
        </div>
        <TextArea label="Description" error={err("description")} {...register("description")} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create product"}</button>
          <Link className="button secondary" to="/products">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
