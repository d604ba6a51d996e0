// Who is inside the zone now, page by page.
import { useState } from 'preact/hooks';
import { query, zonePath } from '../api';
import { Empty, ErrorBox, Loading, PageTitle, Pager, useApi } from '../components';
import { useConsole } from '../context';
import { formatDateTime, formatNumber, t } from '../i18n';
import { href } from '../router';
import type { Presence } from '../types';

const PAGE = 50;

export function PresencePage() {
  const { zone } = useConsole();
  const [offset, setOffset] = useState(0);
  const presence = useApi<Presence>(zone ? zonePath(zone, `presence${query({ offset, limit: PAGE })}`) : null);
  return (
    <section>
      <PageTitle title={t('presence.title')} />
      <ErrorBox error={presence.error} />
      <Loading when={presence.loading && !presence.data} />
      {presence.data && (
        <>
          <p class="big-number">
            <span>{formatNumber(presence.data.count)}</span> {t('presence.inside')}
          </p>
          <Empty when={presence.data.persons.length === 0} />
          {presence.data.persons.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.person')}</th>
                  <th scope="col">{t('presence.enteredAt')}</th>
                  <th scope="col">{t('common.gate')}</th>
                </tr>
              </thead>
              <tbody>
                {presence.data.persons.map((p) => (
                  <tr key={p.person}>
                    <td>
                      <a href={href('person', p.person)}>{p.person}</a>
                    </td>
                    <td>{formatDateTime(p.entered_at)}</td>
                    <td>
                      <code>{p.gate}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager offset={offset} limit={PAGE} count={presence.data.count} onChange={setOffset} />
        </>
      )}
    </section>
  );
}
