// The result of verifying the zone's chain: the server recomputes every hash and replays the
// journal, and answers with the head and state hashes, or the first fault.
import { zonePath } from '../api';
import { ErrorBox, Loading, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { formatNumber, t } from '../i18n';
import type { VerifyAnswer } from '../types';

export function VerifyPage() {
  const { zone } = useConsole();
  const answer = useApi<VerifyAnswer>(zone ? zonePath(zone, 'verify') : null);
  const v = answer.data;
  return (
    <section>
      <PageTitle title={t('verify.title')}>
        <button type="button" onClick={answer.reload} disabled={answer.loading}>
          {t('verify.again')}
        </button>
      </PageTitle>
      <p class="muted">{t('verify.intro')}</p>
      <ErrorBox error={answer.error} />
      <Loading when={answer.loading} />
      {v && !answer.loading && (
        <div class={`verdict ${v.ok ? 'ok' : 'bad'}`} role="status" id="verify-result">
          <p class="verdict-title">{v.ok ? t('verify.ok') : t('verify.bad')}</p>
          {v.ok ? (
            <dl class="hashes">
              <dt>{t('verify.entries')}</dt>
              <dd>{formatNumber(v.entries ?? 0)}</dd>
              <dt>{t('verify.head')}</dt>
              <dd>
                <code>{v.head}</code>
              </dd>
              <dt>{t('verify.state')}</dt>
              <dd>
                <code>{v.state_hash}</code>
              </dd>
            </dl>
          ) : (
            <p>
              <code>{v.error}</code>
            </p>
          )}
        </div>
      )}
    </section>
  );
}
