// Declarations by state (a declarant's own only: the API filters them), page by page.
import { query, zonePath } from '../api';
import { Empty, ErrorBox, Loading, Outcome, PageTitle, Pager, StateBadge, useApi } from '../components';
import { useConsole } from '../context';
import { formatDateTime, formatMoney, t, tEnum } from '../i18n';
import { documentName, href, hrefWith, navigate } from '../router';
import type { DeclarationList } from '../types';

const STATES = ['held', 'accepted', 'released', 'posted', 'cancelled', 'refused'];
const PAGE = 50;

export function DeclarationsPage({ params }: { params: URLSearchParams }) {
  const { zone, session } = useConsole();
  const state = params.get('state') ?? '';
  const declarant = session.party ?? params.get('declarant') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const list = useApi<DeclarationList>(
    zone ? zonePath(zone, `declarations${query({ state, declarant, offset, limit: PAGE })}`) : null,
  );
  const go = (changes: Record<string, string | number | undefined>) =>
    navigate(hrefWith('declarations', { state, declarant: session.party ? undefined : declarant, offset, ...changes }));

  return (
    <section>
      <PageTitle title={session.party ? t('declarations.ownTitle') : t('declarations.title')} />
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="declarations-state">{t('common.state')}</label>
          <select id="declarations-state" value={state} onChange={(event) => go({ state: event.currentTarget.value, offset: 0 })}>
            <option value="">{t('common.all')}</option>
            {STATES.map((s) => (
              <option value={s} key={s}>
                {tEnum('state', s)}
              </option>
            ))}
          </select>
        </div>
        {!session.party && (
          <div class="field">
            <label for="declarations-declarant">{t('common.declarant')}</label>
            <input
              id="declarations-declarant"
              value={declarant}
              onChange={(event) => go({ declarant: event.currentTarget.value.trim(), offset: 0 })}
            />
          </div>
        )}
      </form>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        <>
          <Empty when={list.data.declarations.length === 0} />
          {list.data.declarations.length > 0 && (
            <div class="table-scroll" tabIndex={0} role="region" aria-label={t('declarations.title')}>
              <table id="declarations-table">
                <thead>
                  <tr>
                    <th scope="col">{t('common.declaration')}</th>
                    <th scope="col">{t('common.kind')}</th>
                    <th scope="col">{t('common.declarant')}</th>
                    <th scope="col">{t('common.state')}</th>
                    <th scope="col">{t('common.outcome')}</th>
                    <th scope="col">{t('common.declaredAt')}</th>
                    <th scope="col" class="number">{t('money.total')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.declarations.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <a href={href('declaration', documentName(d))}>{d.id}</a>
                      </td>
                      <td>{tEnum('kind', d.kind)}</td>
                      <td>{d.declarant}</td>
                      <td>
                        <StateBadge value={d.state} />
                      </td>
                      <td>
                        <Outcome value={d.outcome} />
                      </td>
                      <td>{formatDateTime(d.declared_at)}</td>
                      <td class="number">{d.assessment?.total ? formatMoney(d.assessment.total, d.assessment.currency) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager offset={offset} limit={PAGE} count={list.data.count} onChange={(next) => go({ offset: next })} />
        </>
      )}
    </section>
  );
}
