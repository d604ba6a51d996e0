// One declaration (or processing record): its decision with reasons, lines with duty and VAT,
// events, postings, and its trace drawn as a tree from the goods it moves back to the admissions
// they came from, through every processing step.
import type { ComponentChildren } from 'preact';
import { zonePath, type Assessment, type Reason } from '../api';
import { CreatedBy, Empty, ErrorBox, Loading, LookupForm, Outcome, PageTitle, Reasons, StateBadge, useApi } from '../components';
import { useConsole } from '../context';
import { isPositive, sumMoney } from '../decimal';
import { formatDate, formatDateTime, formatMoney, formatNumber, t, tEnum } from '../i18n';
import { href, navigate } from '../router';
import type { Lot } from '../types';

interface Account {
  party: string;
  sku: string;
  account: string;
}

interface DeclarationAnswer {
  zone: string;
  declaration?: {
    id: string;
    kind: string;
    declarant: string;
    counterparty: string;
    purpose: string;
    state: string;
    declared_at: string;
    released_gate?: string;
    released_on?: string;
    hold_rules: string[];
    inspection?: string;
    export_refund: boolean;
    lines: {
      sku: string;
      hs_code: string;
      quantity: string;
      value: string;
      currency: string;
      value_cny: string;
      origin: string;
      produced_on?: string;
      certificates: string[];
      status?: string;
      customs_duty: string;
      import_vat: string;
      exempted: string;
    }[];
    assessment?: Assessment;
  };
  process?: {
    id: string;
    declarant: string;
    command: string;
    at: string;
    output_status: string;
    inputs: { sku: string; quantity: string }[];
    outputs: { sku: string; quantity: string }[];
  };
  decision?: { command: string; outcome: string; reasons: Reason[] };
  events?: { command: string; at: string; what: string; detail: string }[];
  postings: {
    id: number;
    date: string;
    from: Account;
    to: Account;
    from_lot: number;
    to_lot: number;
    quantity: string;
    value: string;
  }[];
  trace: {
    document: string;
    kind: string;
    start: number[];
    lots: Lot[];
    admissions: { lot: number; declaration: string; source: string; party: string; sku: string; quantity: string }[];
    truncated: boolean;
  };
}

export function DeclarationPage({ id }: { id?: string }) {
  const { zone } = useConsole();
  const answer = useApi<DeclarationAnswer>(zone && id ? zonePath(zone, `declarations/${encodeURIComponent(id)}`) : null);
  const a = answer.data;
  return (
    <section>
      <PageTitle title={t('declaration.title')} />
      <LookupForm
        id="declaration-id"
        label={t('declaration.lookup')}
        initial={id}
        onSubmit={(value) => navigate(href('declaration', value))}
      />
      <ErrorBox error={answer.error} />
      <Loading when={answer.loading} />
      {a && a.declaration && <DeclarationBody answer={a} />}
      {a && a.process && <ProcessBody answer={a} />}
      {a && <Postings answer={a} />}
      {a && <TraceTree answer={a} />}
    </section>
  );
}

function DeclarationBody({ answer }: { answer: DeclarationAnswer }) {
  const d = answer.declaration!;
  const total = {
    duty: sumMoney(d.lines.map((line) => line.customs_duty)),
    vat: sumMoney(d.lines.map((line) => line.import_vat)),
  };
  return (
    <>
      <h2>
        <code>{d.id}</code> <StateBadge value={d.state} />
      </h2>
      <dl class="facts">
        <dt>{t('common.kind')}</dt>
        <dd>{tEnum('kind', d.kind)}</dd>
        <dt>{t('common.declarant')}</dt>
        <dd>{d.declarant}</dd>
        <dt>{t('declare.counterparty')}</dt>
        <dd>{d.counterparty || '—'}</dd>
        <dt>{t('declare.purpose')}</dt>
        <dd>{d.purpose || '—'}</dd>
        <dt>{t('common.declaredAt')}</dt>
        <dd>{formatDateTime(d.declared_at)}</dd>
        {d.released_gate && (
          <>
            <dt>{t('declaration.released')}</dt>
            <dd>
              <code>{d.released_gate}</code> {formatDate(d.released_on)}
            </dd>
          </>
        )}
        {d.inspection && (
          <>
            <dt>{t('declaration.inspection')}</dt>
            <dd>{tEnum('inspection', d.inspection)}</dd>
          </>
        )}
        {d.hold_rules.length > 0 && (
          <>
            <dt>{t('queue.holdRules')}</dt>
            <dd>
              {d.hold_rules.map((rule) => (
                <code class="tag" key={rule}>
                  {rule}
                </code>
              ))}
            </dd>
          </>
        )}
        {d.export_refund && (
          <>
            <dt>{t('declaration.exportRefund')}</dt>
            <dd>{t('common.yes')}</dd>
          </>
        )}
      </dl>
      {answer.decision && (
        <div class="decision">
          <h3>{t('declaration.decision')}</h3>
          <p>
            <Outcome value={answer.decision.outcome} /> <code>{answer.decision.command}</code>
          </p>
          <Reasons reasons={answer.decision.reasons} />
        </div>
      )}
      <h3>{t('declaration.lines')}</h3>
      <div class="table-scroll" tabIndex={0} role="region" aria-label={t('declaration.lines')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.sku')}</th>
              <th scope="col">{t('declaration.hsCode')}</th>
              <th scope="col" class="number">{t('common.quantity')}</th>
              <th scope="col" class="number">{t('common.value')}</th>
              <th scope="col" class="number">{t('declaration.valueCny')}</th>
              <th scope="col">{t('declare.origin')}</th>
              <th scope="col">{t('declare.certificates')}</th>
              <th scope="col" class="number">{t('money.duty')}</th>
              <th scope="col" class="number">{t('money.vat')}</th>
            </tr>
          </thead>
          <tbody>
            {d.lines.map((line, i) => (
              <tr key={i}>
                <td>
                  <code>{line.sku}</code>
                </td>
                <td>{line.hs_code}</td>
                <td class="number">{formatNumber(line.quantity)}</td>
                <td class="number">{formatMoney(line.value, line.currency)}</td>
                <td class="number">{formatMoney(line.value_cny)}</td>
                <td>{line.origin}</td>
                <td>{line.certificates.map((c) => tEnum('certificate', c)).join(', ') || '—'}</td>
                <td class="number">{formatMoney(line.customs_duty)}</td>
                <td class="number">{formatMoney(line.import_vat)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={7}>
                {t('money.total')}
              </th>
              <td class="number">{formatMoney(total.duty)}</td>
              <td class="number">{formatMoney(total.vat)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <Events answer={answer} />
    </>
  );
}

function ProcessBody({ answer }: { answer: DeclarationAnswer }) {
  const p = answer.process!;
  const list = (items: { sku: string; quantity: string }[]) => (
    <ul>
      {items.map((item) => (
        <li key={item.sku}>
          <code>{item.sku}</code> × {formatNumber(item.quantity)}
        </li>
      ))}
    </ul>
  );
  return (
    <>
      <h2>
        <code>{p.id}</code> {tEnum('kind', 'process')}
      </h2>
      <dl class="facts">
        <dt>{t('common.declarant')}</dt>
        <dd>{p.declarant}</dd>
        <dt>{t('common.time')}</dt>
        <dd>{formatDateTime(p.at)}</dd>
        <dt>{t('declaration.inputs')}</dt>
        <dd>{list(p.inputs)}</dd>
        <dt>{t('declaration.outputs')}</dt>
        <dd>
          {list(p.outputs)} {tEnum('status', p.output_status)}
        </dd>
      </dl>
      <Events answer={answer} />
    </>
  );
}

function Events({ answer }: { answer: DeclarationAnswer }) {
  const events = answer.events ?? [];
  if (events.length === 0) return null;
  return (
    <>
      <h3>{t('declaration.events')}</h3>
      <ol class="events">
        {events.map((e, i) => (
          <li key={i}>
            {formatDateTime(e.at)} — <strong>{tEnum('event', e.what)}</strong> <code>{e.command}</code>
            {e.detail && <span class="muted"> {tEnum('kind', e.detail)}</span>}
          </li>
        ))}
      </ol>
    </>
  );
}

function Postings({ answer }: { answer: DeclarationAnswer }) {
  return (
    <>
      <h3>{t('declaration.postings')}</h3>
      <Empty when={answer.postings.length === 0} />
      {answer.postings.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label={t('declaration.postings')}>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('common.date')}</th>
                <th scope="col">{t('declaration.from')}</th>
                <th scope="col">{t('declaration.to')}</th>
                <th scope="col" class="number">{t('common.quantity')}</th>
                <th scope="col" class="number">{t('common.value')}</th>
              </tr>
            </thead>
            <tbody>
              {answer.postings.map((p) => (
                <tr key={p.id}>
                  <td class="number">{p.id}</td>
                  <td>{formatDate(p.date)}</td>
                  <td>
                    <AccountName account={p.from} lot={p.from_lot} />
                  </td>
                  <td>
                    <AccountName account={p.to} lot={p.to_lot} />
                  </td>
                  <td class="number">{formatNumber(p.quantity)}</td>
                  <td class="number">{formatMoney(p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function AccountName({ account, lot }: { account: Account; lot: number }) {
  return (
    <span>
      {account.party && <>{account.party} · </>}
      {account.sku && <code>{account.sku}</code>} {account.account}
      {lot > 0 && <span class="muted"> ({t('trace.lot', { lot })})</span>}
    </span>
  );
}

// The trace: each lot the document moves, then the lots it was made from, down to the admissions.
function TraceTree({ answer }: { answer: DeclarationAnswer }) {
  const trace = answer.trace;
  const lots = new Map(trace.lots.map((lot) => [lot.lot, lot]));
  const drawn = new Set<number>();
  const node = (id: number, quantity: string | null): ComponentChildren => {
    const lot = lots.get(id);
    if (!lot) return <li key={id}>{t('trace.lot', { lot: id })}</li>;
    const repeated = drawn.has(id);
    drawn.add(id);
    const admission = lot.source === 'first_line_in' || lot.source === 'second_line_in';
    return (
      <li key={`${id}-${quantity ?? ''}`}>
        <span class={`trace-node${admission ? ' admission' : ''}`}>
          <strong>{t('trace.lot', { lot: id })}</strong> <code>{lot.sku}</code> · {lot.party} ·{' '}
          {tEnum('status', lot.status)} · {tEnum('source', lot.source)}{' '}
          <CreatedBy id={lot.created_by} />
          <br />
          <span class="muted">
            {quantity !== null && <>{t('trace.used', { quantity: formatNumber(quantity) })} · </>}
            {t('trace.quantity', { quantity: formatNumber(lot.quantity), onHand: formatNumber(lot.on_hand) })} ·{' '}
            {formatMoney(lot.value)} · {t('declare.origin')} {lot.origin || '—'} · {formatDate(lot.created_on)}
            {lot.imported_input && isPositive(lot.imported_input, 2) && (
              <> · {t('trace.importedInput', { value: formatMoney(lot.imported_input) })}</>
            )}
            {lot.mainland_input && isPositive(lot.mainland_input, 2) && (
              <> · {t('trace.mainlandInput', { value: formatMoney(lot.mainland_input) })}</>
            )}
          </span>
        </span>
        {!repeated && lot.parents && lot.parents.length > 0 && (
          <ul>{lot.parents.map((parent) => node(parent.lot, parent.quantity))}</ul>
        )}
      </li>
    );
  };
  return (
    <>
      <h3 id="trace-heading">{t('trace.title')}</h3>
      <p class="muted">{t('trace.intro')}</p>
      <Empty when={trace.start.length === 0} text={t('trace.none')} />
      {trace.start.length > 0 && (
        <ul class="trace" aria-labelledby="trace-heading" id="trace-tree">
          {trace.start.map((id) => node(id, null))}
        </ul>
      )}
      {trace.truncated && <p class="notice">{t('trace.truncated')}</p>}
      {trace.admissions.length > 0 && (
        <>
          <h4>{t('trace.admissions')}</h4>
          <ul>
            {trace.admissions.map((adm) => (
              <li key={adm.lot}>
                <a href={href('declaration', adm.declaration)}>{adm.declaration}</a> — {t('trace.lot', { lot: adm.lot })}{' '}
                <code>{adm.sku}</code> × {formatNumber(adm.quantity)} ({tEnum('source', adm.source)})
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
