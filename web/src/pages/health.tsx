// The server's health and key metrics, read from /healthz and the Prometheus text of /metrics.
import { Empty, ErrorBox, Loading, PageTitle, useApi } from '../components';
import { formatNumber, t, tEnum } from '../i18n';
import { parseMetrics, quantile, type Sample } from '../metrics';

const sum = (samples: Sample[], name: string, filter: (labels: Record<string, string>) => boolean = () => true) =>
  samples.filter((s) => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);

export function HealthPage() {
  const health = useApi<{ status: string; zones?: number }>('/healthz');
  const metrics = useApi<string>('/metrics');
  const samples = metrics.data ? parseMetrics(metrics.data) : [];
  const zones = [...new Set(samples.filter((s) => s.name === 'twoline_journal_entries').map((s) => s.labels.zone))].sort();
  const outcomes = ['accepted', 'rejected', 'held', 'referred', 'invalid'];
  const ms = (seconds: number | null) => (seconds === null ? '—' : t('health.ms', { ms: formatNumber(seconds * 1000, 1) }));

  return (
    <section>
      <PageTitle title={t('health.title')}>
        <button
          type="button"
          onClick={() => {
            health.reload();
            metrics.reload();
          }}
        >
          {t('common.refresh')}
        </button>
      </PageTitle>
      <ErrorBox error={health.error} />
      {health.data && (
        <div class={`verdict ${health.data.status === 'ok' ? 'ok' : 'bad'}`} role="status">
          <p class="verdict-title">
            {health.data.status === 'ok' ? t('health.ok') : t('health.bad', { status: health.data.status })}
          </p>
          {health.data.zones !== undefined && <p>{t('health.zones', { count: health.data.zones })}</p>}
        </div>
      )}
      <ErrorBox error={metrics.error} />
      <Loading when={metrics.loading && !metrics.data} />
      {metrics.data && (
        <>
          <div class="cards">
            <div class="card">
              <span class="card-label">{t('health.latencyP50')}</span>
              <span class="card-value">{ms(quantile(samples, 'twoline_decision_latency_seconds', 0.5))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.latencyP99')}</span>
              <span class="card-value">{ms(quantile(samples, 'twoline_decision_latency_seconds', 0.99))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.commitP99')}</span>
              <span class="card-value">{ms(quantile(samples, 'twoline_commit_seconds', 0.99))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.queue')}</span>
              <span class="card-value">{formatNumber(sum(samples, 'twoline_queue_commands'))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.overloaded')}</span>
              <span class="card-value">{formatNumber(sum(samples, 'twoline_overloaded_total'))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.writeFailures')}</span>
              <span class="card-value">{formatNumber(sum(samples, 'twoline_write_failures_total'))}</span>
            </div>
            <div class="card">
              <span class="card-label">{t('health.writesStopped')}</span>
              <span class="card-value">{sum(samples, 'twoline_writes_stopped') > 0 ? t('common.yes') : t('common.no')}</span>
            </div>
          </div>
          <h2>{t('health.byZone')}</h2>
          <Empty when={zones.length === 0} />
          {zones.length > 0 && (
            <table id="metrics-table">
              <thead>
                <tr>
                  <th scope="col">{t('common.zone')}</th>
                  <th scope="col" class="number">{t('health.entries')}</th>
                  {outcomes.map((o) => (
                    <th scope="col" class="number" key={o}>
                      {tEnum('outcome', o)}
                    </th>
                  ))}
                  <th scope="col" class="number">{t('health.duplicates')}</th>
                </tr>
              </thead>
              <tbody>
                {zones.map((zone) => (
                  <tr key={zone}>
                    <td>{zone}</td>
                    <td class="number">{formatNumber(sum(samples, 'twoline_journal_entries', (l) => l.zone === zone))}</td>
                    {outcomes.map((o) => (
                      <td class="number" key={o}>
                        {formatNumber(sum(samples, 'twoline_decisions_total', (l) => l.zone === zone && l.outcome === o))}
                      </td>
                    ))}
                    <td class="number">{formatNumber(sum(samples, 'twoline_duplicates_total', (l) => l.zone === zone))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="muted">
            {t('health.requests', { count: sum(samples, 'twoline_http_requests_total') })}
          </p>
        </>
      )}
    </section>
  );
}
