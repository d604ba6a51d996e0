// Look up a person: identity, documents with their validity, lists, presence and recent crossings.
import { zonePath } from '../api';
import { Empty, ErrorBox, Loading, LookupForm, Outcome, PageTitle, Reasons, useApi } from '../components';
import { useConsole } from '../context';
import { formatDate, formatDateTime, formatNumber, t, tEnum } from '../i18n';
import { href, navigate } from '../router';
import type { PersonRecord } from '../types';

// Today as YYYY-MM-DD on the officer's own calendar (the console is used at the zone's gates and
// desks, so that is the zone's date).
function zoneToday(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

export function PersonPage({ id }: { id?: string }) {
  const { zone } = useConsole();
  const person = useApi<PersonRecord>(zone && id ? zonePath(zone, `persons/${encodeURIComponent(id)}`) : null);
  const today = zoneToday();
  const p = person.data;
  return (
    <section>
      <PageTitle title={t('person.title')} />
      <LookupForm id="person-id" label={t('person.lookup')} initial={id} onSubmit={(value) => navigate(href('person', value))} />
      <ErrorBox error={person.error} />
      <Loading when={person.loading} />
      {p && (
        <>
          <h2>
            {p.name} <code>{p.id}</code>
          </h2>
          <dl class="facts">
            <dt>{t('person.nationality')}</dt>
            <dd>{p.nationality}</dd>
            <dt>{t('person.residentOf')}</dt>
            <dd>{p.resident_of}</dd>
            <dt>{t('person.birthDate')}</dt>
            <dd>{formatDate(p.birth_date)}</dd>
            <dt>{t('person.affiliation')}</dt>
            <dd>{p.affiliation || '—'}</dd>
            <dt>{t('person.presence')}</dt>
            <dd>
              {p.inside
                ? t('person.insideSince', { at: formatDateTime(p.entered_at), gate: p.entered_gate ?? '—' })
                : t('person.outside')}
            </dd>
            <dt>{t('person.lists')}</dt>
            <dd>
              {p.lists.length === 0
                ? '—'
                : p.lists.map((list) => (
                    <span key={list} class={`tag${list === 'watchlist' ? ' tag-warning' : ''}`}>
                      {tEnum('list', list)}
                    </span>
                  ))}
            </dd>
          </dl>
          <h3>{t('person.documents')}</h3>
          <Empty when={p.documents.length === 0} />
          {p.documents.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('person.documentType')}</th>
                  <th scope="col">{t('person.documentNumber')}</th>
                  <th scope="col">{t('person.validFrom')}</th>
                  <th scope="col">{t('person.validUntil')}</th>
                  <th scope="col">{t('person.validity')}</th>
                </tr>
              </thead>
              <tbody>
                {p.documents.map((d) => {
                  const valid = d.valid_from <= today && today <= d.valid_until;
                  return (
                    <tr key={`${d.type}-${d.number}`}>
                      <td>{tEnum('document', d.type)}</td>
                      <td>
                        <code>{d.number}</code>
                      </td>
                      <td>{formatDate(d.valid_from)}</td>
                      <td>{formatDate(d.valid_until)}</td>
                      <td>
                        <span class={`badge ${valid ? 'outcome-accepted' : 'outcome-rejected'}`}>
                          {valid ? t('person.valid') : today < d.valid_from ? t('person.notYetValid') : t('person.expired')}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <h3>{t('person.recent')}</h3>
          <Empty when={p.recent_crossings.length === 0} />
          {p.recent_crossings.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.seq')}</th>
                  <th scope="col">{t('common.time')}</th>
                  <th scope="col">{t('common.gate')}</th>
                  <th scope="col">{t('common.direction')}</th>
                  <th scope="col">{t('common.outcome')}</th>
                  <th scope="col">{t('common.reasons')}</th>
                </tr>
              </thead>
              <tbody>
                {p.recent_crossings.map((c) => (
                  <tr key={c.seq}>
                    <td class="number">{formatNumber(c.seq)}</td>
                    <td>{formatDateTime(c.at)}</td>
                    <td>
                      <code>{c.gate}</code>
                    </td>
                    <td>{tEnum('direction', c.direction)}</td>
                    <td>
                      <Outcome value={c.outcome} />
                    </td>
                    <td>
                      <Reasons reasons={c.reasons} />
                    </td>
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
