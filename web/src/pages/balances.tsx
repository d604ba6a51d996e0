// A party's goods: balances by item and status, and the lots they are made of. A declarant sees its
// own party only; officers, auditors and administrators look a party up.
import { zonePath } from '../api';
import { CreatedBy, Empty, ErrorBox, Loading, LookupForm, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { formatDate, formatMoney, formatNumber, t, tEnum } from '../i18n';
import { href, navigate } from '../router';
import type { BalanceAnswer } from '../types';

export function BalancesPage({ party: routeParty }: { party?: string }) {
  const { zone, session } = useConsole();
  const party = session.party ?? routeParty;
  const answer = useApi<BalanceAnswer>(
    zone && party ? zonePath(zone, `parties/${encodeURIComponent(party)}/balance`) : null,
  );
  const b = answer.data;
  return (
    <section>
      <PageTitle title={session.party ? t('balances.ownTitle') : t('balances.title')} />
      {!session.party && (
        <LookupForm id="party-id" label={t('balances.lookup')} initial={routeParty} onSubmit={(value) => navigate(href('balances', value))} />
      )}
      <ErrorBox error={answer.error} />
      <Loading when={answer.loading} />
      {b && (
        <>
          <h2>
            {t('balances.party')} <code>{b.party}</code>
          </h2>
          <Empty when={b.balances.length === 0} />
          {b.balances.length > 0 && (
            <table id="balances-table">
              <thead>
                <tr>
                  <th scope="col">{t('common.sku')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col" class="number">{t('common.quantity')}</th>
                  <th scope="col" class="number">{t('balances.reserved')}</th>
                  <th scope="col" class="number">{t('balances.free')}</th>
                  <th scope="col" class="number">{t('balances.incoming')}</th>
                  <th scope="col" class="number">{t('common.value')}</th>
                </tr>
              </thead>
              <tbody>
                {b.balances.map((row) => (
                  <tr key={`${row.sku}-${row.status}`}>
                    <td>
                      <code>{row.sku}</code>
                    </td>
                    <td>{tEnum('status', row.status)}</td>
                    <td class="number">{formatNumber(row.quantity)}</td>
                    <td class="number">{formatNumber(row.reserved)}</td>
                    <td class="number">{formatNumber(row.free)}</td>
                    <td class="number">{formatNumber(row.incoming)}</td>
                    <td class="number">{formatMoney(row.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t('balances.lots')}</h3>
          <Empty when={b.lots.length === 0} />
          {b.lots.length > 0 && (
            <div class="table-scroll" tabIndex={0} role="region" aria-label={t('balances.lots')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('balances.lot')}</th>
                    <th scope="col">{t('common.sku')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col" class="number">{t('balances.onHand')}</th>
                    <th scope="col" class="number">{t('common.value')}</th>
                    <th scope="col">{t('declare.origin')}</th>
                    <th scope="col">{t('balances.source')}</th>
                    <th scope="col">{t('common.date')}</th>
                  </tr>
                </thead>
                <tbody>
                  {b.lots.map((lot) => (
                    <tr key={lot.lot}>
                      <td class="number">{lot.lot}</td>
                      <td>
                        <code>{lot.sku}</code>
                      </td>
                      <td>{tEnum('status', lot.status)}</td>
                      <td class="number">{formatNumber(lot.on_hand)}</td>
                      <td class="number">{formatMoney(lot.value)}</td>
                      <td>{lot.origin}</td>
                      <td>
                        <CreatedBy id={lot.created_by} />
                      </td>
                      <td>{formatDate(lot.created_on)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
