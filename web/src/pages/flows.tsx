// The flows report for a date range: goods released by line, direction and day (tables and
// charts), documents by kind, and the duty and VAT collected.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { query, zonePath } from '../api';
import { DayChart, type ChartSeries } from '../chart';
import { Empty, ErrorBox, Loading, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { toScaled } from '../decimal';
import { formatDate, formatMoney, formatNumber, locale, t, tEnum } from '../i18n';
import { hrefWith, navigate } from '../router';

interface Money {
  currency: string;
  customs_duty: string;
  import_vat: string;
  total: string;
  declarations: number;
}

interface Report {
  zone: string;
  from: string;
  to: string;
  flows: { date: string; line: string; direction: string; declarations: number; lines: number; value: string }[];
  movements: { date: string; kind: string; documents: number }[];
  collected: Money;
  assessed_open: Money;
  exempted: string;
}

function isoDay(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

export function FlowsPage({ params }: { params: URLSearchParams }) {
  const { zone } = useConsole();
  const today = new Date();
  const from = params.get('from') ?? isoDay(new Date(today.getTime() - 6 * 86400000));
  const to = params.get('to') ?? isoDay(today);
  const [draft, setDraft] = useState({ from, to });
  useEffect(() => setDraft({ from, to }), [from, to]);
  const report = useApi<Report>(zone ? zonePath(zone, `reports/flows${query({ from, to })}`) : null);
  const r = report.data;

  const charts = useMemo(() => {
    if (!r) return null;
    const days = [...new Set(r.flows.map((f) => f.date))].sort();
    const keys = [...new Set(r.flows.map((f) => `${f.line}|${f.direction}`))].sort();
    const label = (key: string) => {
      const [line, direction] = key.split('|');
      return `${tEnum('line', line)} · ${tEnum('direction', direction)}`;
    };
    const pick = (key: string, value: (f: Report['flows'][number]) => number): ChartSeries => ({
      label: label(key),
      values: days.map((day) => {
        const flow = r.flows.find((f) => f.date === day && `${f.line}|${f.direction}` === key);
        return flow ? value(flow) : 0;
      }),
    });
    // Chart values in yuan: the axis needs numbers; the exact amounts are in the table.
    const yuan = (text: string) => Number(toScaled(text, 2) ?? 0n) / 100;
    return {
      days,
      declarations: keys.map((key) => pick(key, (f) => f.declarations)),
      value: keys.map((key) => pick(key, (f) => yuan(f.value))),
    };
  }, [r, locale()]);

  return (
    <section>
      <PageTitle title={t('flows.title')} />
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(hrefWith('flows', draft));
        }}
      >
        <div class="field">
          <label for="flows-from">{t('flows.from')}</label>
          <input id="flows-from" type="date" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="flows-to">{t('flows.to')}</label>
          <input id="flows-to" type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </div>
        <button type="submit">{t('flows.show')}</button>
      </form>
      <ErrorBox error={report.error} />
      <Loading when={report.loading} />
      {r && charts && (
        <>
          <p class="muted">{t('flows.range', { from: formatDate(r.from), to: formatDate(r.to) })}</p>
          <div class="cards">
            <div class="card">
              <span class="card-label">{t('money.dutyCollected')}</span>
              <span class="card-value">{formatMoney(r.collected.customs_duty, r.collected.currency)}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('money.vatCollected')}</span>
              <span class="card-value">{formatMoney(r.collected.import_vat, r.collected.currency)}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('money.totalCollected')}</span>
              <span class="card-value">{formatMoney(r.collected.total, r.collected.currency)}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('flows.taxedDeclarations')}</span>
              <span class="card-value">{formatNumber(r.collected.declarations)}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('money.assessedOpen')}</span>
              <span class="card-value">{formatMoney(r.assessed_open.total, r.assessed_open.currency)}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('money.exempted')}</span>
              <span class="card-value">{formatMoney(r.exempted)}</span>
            </div>
          </div>
          <h2>{t('flows.byDay')}</h2>
          <Empty when={r.flows.length === 0} text={t('flows.none')} />
          {r.flows.length > 0 && (
            <>
              <div class="two-columns">
                <DayChart id="chart-declarations" integer days={charts.days} series={charts.declarations} label={t('flows.chartDeclarations')} />
                <DayChart id="chart-value" days={charts.days} series={charts.value} label={t('flows.chartValue')} />
              </div>
              <table id="flows-table">
                <caption>{t('flows.tableCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('common.date')}</th>
                    <th scope="col">{t('common.line')}</th>
                    <th scope="col">{t('common.direction')}</th>
                    <th scope="col" class="number">{t('flows.declarations')}</th>
                    <th scope="col" class="number">{t('flows.lines')}</th>
                    <th scope="col" class="number">{t('common.value')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.flows.map((f) => (
                    <tr key={`${f.date}-${f.line}-${f.direction}`}>
                      <td>{formatDate(f.date)}</td>
                      <td>{tEnum('line', f.line)}</td>
                      <td>{tEnum('direction', f.direction)}</td>
                      <td class="number">{formatNumber(f.declarations)}</td>
                      <td class="number">{formatNumber(f.lines)}</td>
                      <td class="number">{formatMoney(f.value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <h2>{t('flows.movements')}</h2>
          <Empty when={r.movements.length === 0} />
          {r.movements.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.date')}</th>
                  <th scope="col">{t('common.kind')}</th>
                  <th scope="col" class="number">{t('flows.documents')}</th>
                </tr>
              </thead>
              <tbody>
                {r.movements.map((m) => (
                  <tr key={`${m.date}-${m.kind}`}>
                    <td>{formatDate(m.date)}</td>
                    <td>{tEnum('kind', m.kind)}</td>
                    <td class="number">{formatNumber(m.documents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
