// The campaign's two pictures, drawn as SVG bars beside their numbers (the
// numbers are the content; the bars are decoration for the eye, hidden from
// screen readers): the funnel from targeted to converted, and the ROI of each
// attribution model.
import { money } from "../../lib/format";
import { MODEL_LABEL, roiPercent, type FunnelStep, type Roi } from "./campaign";
import { label, plural } from "../../lib/format";

function share(part: number, whole: number): string {
  if (!whole) return "—";
  return `${(Math.round((part / whole) * 1000) / 10).toLocaleString()} %`;
}

/** A bar of `fraction` (0..1) of the width; CSP-safe (SVG attributes, no inline styles). */
export function Bar({ fraction, tone = "accent" }: { fraction: number; tone?: "accent" | "ok" | "danger" }) {
  const width = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0)) * 100;
  return (
    <svg className={`bar bar-${tone}`} viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect className="bar-track" x="0" y="0" width="100" height="10" />
      <rect className="bar-fill" x="0" y="0" width={width} height="10" />
    </svg>
  );
}

/** targeted → sent → opened → clicked → responded → converted: each stage's count, its share of the targeted
 * people and of the stage before. */
export function Funnel({ steps }: { steps: FunnelStep[] }) {
  const targeted = steps[0]?.count ?? 0;
  const top = Math.max(1, ...steps.map((s) => s.count));
  return (
    <div className="funnel-wrap">
    <table className="funnel" aria-label="Funnel">
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col" className="num">People</th>
          <th scope="col" className="num">Of targeted</th>
          <th scope="col" className="num stage-rate">Of the stage before</th>
          <th scope="col"><span className="visually-hidden">Bar</span></th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step, index) => (
          <tr key={step.stage} data-stage={step.stage}>
            <th scope="row">{label(step.stage)}</th>
            <td className="num">{step.count.toLocaleString()}</td>
            <td className="num">{index === 0 ? (targeted ? "100 %" : "—") : share(step.count, targeted)}</td>
            <td className="num stage-rate">{index === 0 ? "—" : share(step.count, steps[index - 1].count)}</td>
            <td className="bar-cell"><Bar fraction={step.count / top} /></td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

/** Attributed revenue, cost and ROI per model; bars of the revenue against the largest one (and the cost). */
export function RoiByModel({ roi, currency }: { roi: Roi; currency: string }) {
  const cur = roi.currency ?? currency;
  const top = Math.max(Number(roi.cost) || 0, ...roi.models.map((m) => Number(m.attributed_revenue) || 0), 1);
  return (
    <>
      <div className="table-wrap">
        <table className="list roi" aria-label="ROI by attribution model">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">Attributed revenue</th>
              <th scope="col" className="num">Cost</th>
              <th scope="col" className="num">ROI</th>
              <th scope="col"><span className="visually-hidden">Revenue against cost</span></th>
            </tr>
          </thead>
          <tbody>
            {roi.models.map((m) => {
              const value = m.roi === null ? null : Number(m.roi);
              return (
                <tr key={m.model} data-model={m.model}>
                  <th scope="row">{MODEL_LABEL[m.model] ?? label(m.model)}</th>
                  <td className="num" data-label="Attributed revenue">{money(m.attributed_revenue, cur)}</td>
                  <td className="num" data-label="Cost">{money(m.cost, cur)}</td>
                  <td className={value !== null && value < 0 ? "num roi-negative" : "num"} data-label="ROI">{roiPercent(m.roi)}</td>
                  <td className="bar-cell">
                    <Bar fraction={(Number(m.attributed_revenue) || 0) / top} tone={value !== null && value < 0 ? "danger" : "ok"} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted">
        ROI = (attributed revenue − cost) ÷ cost. Each model shares every order's revenue among the campaigns that touched
        the account's people before it: all to the first or the last touch, evenly (linear), 40 % each to the first and last
        and the rest evenly (U-shaped), or more to recent touches (time decay).
        {Number(roi.cost) === 0 && " No cost is recorded yet, so there is no ROI: add the campaign's costs."}
        {roi.window_days !== null && <> Touches up to {roi.window_days} days before an order count.</>}
      </p>
      {roi.influenced && (
        <p className="influenced">
          Influenced pipeline: {plural(roi.influenced.created.opportunities, "opportunity", "opportunities")} worth{" "}
          {money(roi.influenced.created.amount, cur)} created, {roi.influenced.won.opportunities.toLocaleString()} of them won
          ({money(roi.influenced.won.amount, cur)}).
        </p>
      )}
      {roi.other_currencies.length > 0 && (
        <p className="muted">
          Also credited in other currencies (not in the ROI):{" "}
          {roi.other_currencies.map((o) => `${MODEL_LABEL[o.model] ?? o.model} ${money(o.attributed_revenue, o.currency)}`).join(" · ")}.
        </p>
      )}
    </>
  );
}
