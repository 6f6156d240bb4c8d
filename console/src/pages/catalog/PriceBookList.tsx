// /price-books: the standard book and the books of segments, regions or
// partners; admins add a book.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, type LoaderFunctionArgs } from "react-router";
import { post } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import { loadPriceBooks, type PriceBook } from "./catalog";

export async function priceBookListLoader({ request: req }: LoaderFunctionArgs): Promise<PriceBook[]> {
  return loadPriceBooks(req.signal);
}

interface Values {
  name: string;
  description: string;
  prices_include_tax: string;
}

function NewPriceBook() {
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ defaultValues: { prices_include_tax: "false" } });
  const submit = async (v: Values) => {
    setGeneral([]);
    try {
      const book = await post<PriceBook>("/price-books", {
        name: v.name.trim(), description: v.description.trim() || undefined, prices_include_tax: v.prices_include_tax === "true",
      });
      navigate(`/price-books/${book.id}`);
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["name", "description", "prices_include_tax"]));
    }
  };
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="new-book-heading">
      <h2 id="new-book-heading">New price book</h2>
      <TextField label="Name" error={formState.errors.name?.message} hint="Like Partners EU or Public sector."
        {...register("name", { required: "Give the price book a name." })} />
      <TextField label="Description" error={formState.errors.description?.message} {...register("description")} />
      <SelectField label="Prices" error={formState.errors.prices_include_tax?.message}
        options={[{ value: "false", label: "Before tax (tax added)" }, { value: "true", label: "Tax included" }]}
        {...register("prices_include_tax")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions"><button type="submit" disabled={formState.isSubmitting}>Create price book</button></div>
    </form>
  );
}

export function PriceBookList() {
  const books = useLoaderData() as PriceBook[];
  const can = useCan();
  return (
    <section>
      <div className="page-head">
        <h1>Price books</h1>
        <div className="actions">
          <Link className="button secondary" to="/products">Products</Link>
          <Link className="button secondary" to="/tax-rates">Tax rates</Link>
        </div>
      </div>
      <p className="muted">A product without a price in a book is priced from the standard book (when both books treat tax the same way).</p>
      <div className="grid-2">
        <div className="table-wrap">
          <table className="list">
            <caption className="visually-hidden">Price books</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Prices</th><th scope="col">Status</th><th scope="col">Changed</th></tr>
            </thead>
            <tbody>
              {books.map((b) => (
                <tr key={b.id}>
                  <td data-label="Name">
                    <Link to={`/price-books/${b.id}`}>{b.name}</Link>
                    {b.is_standard && <> <span className="badge open">Standard</span></>}
                    {b.description && <div className="muted">{b.description}</div>}
                  </td>
                  <td data-label="Prices">{b.prices_include_tax ? "Tax included" : "Before tax"}</td>
                  <td data-label="Status"><span className={`badge ${b.active ? "won" : "lost"}`}>{b.active ? "Active" : "Inactive"}</span></td>
                  <td data-label="Changed">{when(b.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {books.length === 0 && <p className="empty">No price books.</p>}
        </div>
        {can("orders:admin") && <aside><NewPriceBook /></aside>}
      </div>
    </section>
  );
}
