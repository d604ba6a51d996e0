// The journal, page by page: each entry with its seq, what it records, its hash and the previous
// entry's hash, and whether the page's entries link up (each entry's previous hash is the hash of
// the entry before it). `verify` recomputes the hashes; this view shows them.
import { query, zonePath } from '../api';
import { Empty, ErrorBox, Loading, Outcome, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { formatNumber, t, tEnum } from '../i18n';
import { hrefWith, navigate } from '../router';
import type { JournalPage as Page } from '../types';

const PAGE = 50;

export function JournalPage({ params }: { params: URLSearchParams }) {
  const { zone } = useConsole();
  const from = Math.max(1, Number(params.get('from') ?? 1) || 1);
  const page = useApi<Page>(zone ? zonePath(zone, `journal${query({ from, limit: PAGE })}`) : null);
  const entries = page.data?.entries ?? [];

  return (
    <section>
      <PageTitle title={t('journal.title')} />
      <nav class="pager" aria-label={t('common.pages')}>
        <button type="button" disabled={from <= 1} onClick={() => navigate(hrefWith('journal', { from: Math.max(1, from - PAGE) }))}>
          {t('common.previous')}
        </button>
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const input = (event.currentTarget as HTMLFormElement).elements.namedItem('journal-from') as HTMLInputElement;
            navigate(hrefWith('journal', { from: Number(input.value) || 1 }));
          }}
        >
          <label for="journal-from">{t('journal.from')}</label>
          <input id="journal-from" name="journal-from" type="number" min={1} value={from} />
          <button type="submit">{t('common.open')}</button>
        </form>
        <button
          type="button"
          disabled={!page.data || page.data.next === null}
          onClick={() => page.data?.next && navigate(hrefWith('journal', { from: page.data.next }))}
        >
          {t('common.next')}
        </button>
      </nav>
      <ErrorBox error={page.error} />
      <Loading when={page.loading} />
      {page.data && <Empty when={entries.length === 0} />}
      {entries.length > 0 && (
        <ol class="journal" id="journal-entries">
          {entries.map((entry, i) => {
            const previous = entry.prev;
            const linked = i === 0 ? null : previous === entries[i - 1].hash;
            const command = entry.command as Record<string, unknown> | undefined;
            const decision = entry.decision as { outcome?: string } | undefined;
            return (
              <li key={entry.seq} class="journal-entry">
                <div class="journal-head">
                  <strong>
                    {t('journal.seq')} {formatNumber(entry.seq)}
                  </strong>{' '}
                  <span class="tag">{tEnum('entry', entry.kind)}</span>{' '}
                  {command?.type ? <span>{tEnum('command', String(command.type))}</span> : null}{' '}
                  {command?.id ? <code>{String(command.id)}</code> : null}{' '}
                  {decision?.outcome && <Outcome value={decision.outcome} />}
                  {linked !== null && (
                    <span class={`badge ${linked ? 'outcome-accepted' : 'outcome-rejected'}`}>
                      {linked ? t('journal.linked') : t('journal.broken')}
                    </span>
                  )}
                </div>
                <dl class="hashes">
                  <dt>{t('journal.hash')}</dt>
                  <dd>
                    <code>{entry.hash}</code>
                  </dd>
                  <dt>{t('journal.previous')}</dt>
                  <dd>
                    <code>{previous}</code>
                  </dd>
                </dl>
                <details>
                  <summary>{t('journal.entry')}</summary>
                  <pre>{JSON.stringify(entry, null, 2)}</pre>
                </details>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
