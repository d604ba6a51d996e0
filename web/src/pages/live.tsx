// The zone live: decisions as the engine makes them, over Server-Sent Events (no polling), with
// counts per outcome, line and gate and filters. The page keeps at most LIVE_BUFFER_MAX decisions
// and draws at most LIVE_ROWS_MAX of them, and renders at most every RENDER_INTERVAL_MS, so that
// thousands of decisions a minute neither grow memory nor block the page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, zonePath, type ApiError } from '../api';
import { asApiError, ErrorBox, Outcome, PageTitle, Reasons } from '../components';
import { useConsole } from '../context';
import { formatDateTime, formatNumber, t, tEnum } from '../i18n';
import { href } from '../router';
import type { StreamDecision } from '../types';

export const LIVE_BUFFER_MAX = 1000;
export const LIVE_ROWS_MAX = 200;
const RENDER_INTERVAL_MS = 250;

type Status = 'connecting' | 'live' | 'reconnecting' | 'closed';

interface Counts {
  total: number;
  outcome: Map<string, number>;
  line: Map<string, number>;
  gate: Map<string, number>;
}

const emptyCounts = (): Counts => ({ total: 0, outcome: new Map(), line: new Map(), gate: new Map() });
const bump = (map: Map<string, number>, key: string | undefined) => {
  if (key) map.set(key, (map.get(key) ?? 0) + 1);
};

interface Filters {
  line: string;
  gate: string;
  direction: string;
  outcome: string;
}

export function LivePage() {
  const { zone, profile } = useConsole();
  const [status, setStatus] = useState<Status>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [paused, setPaused] = useState(false);
  const [filters, setFilters] = useState<Filters>({ line: '', gate: '', direction: '', outcome: '' });
  const [, setFrame] = useState(0);
  const buffer = useRef<StreamDecision[]>([]); // newest first, at most LIVE_BUFFER_MAX
  const counts = useRef<Counts>(emptyCounts());
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  // The profile may arrive after the stream opened: the handler reads the latest one.
  const profileRef = useRef(profile);
  profileRef.current = profile;
  const gateLine = (gate: string | undefined) => profileRef.current?.gates.find((g) => g.id === gate)?.line;

  useEffect(() => {
    if (!zone) return;
    buffer.current = [];
    counts.current = emptyCounts();
    setError(null);
    setStatus('connecting');
    const url = zonePath(zone, 'stream');
    const source = new EventSource(url);
    // One render per RENDER_INTERVAL_MS at most, only when something arrived.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const scheduleRender = () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        setFrame((n) => n + 1);
      }, RENDER_INTERVAL_MS);
    };
    source.onopen = () => setStatus('live');
    source.addEventListener('decision', (event) => {
      let decision: StreamDecision;
      try {
        decision = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return;
      }
      // Only the fields of the contract, with their types: anything else is not shown.
      if (typeof decision.person !== 'string') delete decision.person;
      if (typeof decision.declaration !== 'string') delete decision.declaration;
      const line = decision.line ?? gateLine(decision.gate);
      if (!decision.line && line) decision.line = line;
      const c = counts.current;
      c.total += 1;
      bump(c.outcome, decision.outcome);
      bump(c.line, line);
      bump(c.gate, decision.gate);
      if (!pausedRef.current) {
        buffer.current.unshift(decision);
        if (buffer.current.length > LIVE_BUFFER_MAX) buffer.current.length = LIVE_BUFFER_MAX;
      }
      scheduleRender();
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream: ask the route again to show its answer (401, 403, 404...).
        setStatus('closed');
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 5000);
        get(url, controller.signal).then(
          () => controller.abort(),
          (caught) => {
            if (!controller.signal.aborted) setError(asApiError(caught));
          },
        );
      } else {
        setStatus('reconnecting');
      }
    };
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [zone]);

  const gates = profile?.gates ?? [];
  const lines = profile?.lines.map((l) => l.line) ?? ['first', 'second'];
  const visible = buffer.current
    .filter(
      (d) =>
        (!filters.line || d.line === filters.line) &&
        (!filters.gate || d.gate === filters.gate) &&
        (!filters.direction || d.direction === filters.direction) &&
        (!filters.outcome || d.outcome === filters.outcome),
    )
    .slice(0, LIVE_ROWS_MAX);
  const c = counts.current;
  const setFilter = (key: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [key]: (event.currentTarget as HTMLSelectElement).value });

  return (
    <section>
      <PageTitle title={t('live.title')}>
        <span class={`stream-status status-${status}`} role="status">
          {t(`live.status.${status}`)}
        </span>
      </PageTitle>
      <ErrorBox error={error} />
      <div class="cards" role="group" aria-label={t('live.counts')}>
        <div class="card">
          <span class="card-label">{t('live.total')}</span>
          <span class="card-value">{formatNumber(c.total)}</span>
        </div>
        {['accepted', 'rejected', 'held', 'referred'].map((o) => (
          <div class={`card card-${o}`} key={o}>
            <span class="card-label">{tEnum('outcome', o)}</span>
            <span class="card-value">{formatNumber(c.outcome.get(o) ?? 0)}</span>
          </div>
        ))}
      </div>
      <div class="two-columns">
        <table class="compact">
          <caption>{t('live.byLine')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('common.line')}</th>
              <th scope="col" class="number">{t('live.decisions')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l}>
                <td>{tEnum('line', l)}</td>
                <td class="number">{formatNumber(c.line.get(l) ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="compact">
          <caption>{t('live.byGate')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('common.gate')}</th>
              <th scope="col">{t('common.lane')}</th>
              <th scope="col" class="number">{t('live.decisions')}</th>
            </tr>
          </thead>
          <tbody>
            {gates.map((g) => (
              <tr key={g.id}>
                <td>
                  <code>{g.id}</code>
                </td>
                <td>{tEnum('lane', g.lane)}</td>
                <td class="number">{formatNumber(c.gate.get(g.id) ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('live.filters')}>
        <FilterSelect id="filter-line" label={t('common.line')} value={filters.line} onChange={setFilter('line')}
          options={lines.map((l) => [l, tEnum('line', l)])} />
        <FilterSelect id="filter-gate" label={t('common.gate')} value={filters.gate} onChange={setFilter('gate')}
          options={gates.filter((g) => !filters.line || g.line === filters.line).map((g) => [g.id, g.id])} />
        <FilterSelect id="filter-direction" label={t('common.direction')} value={filters.direction}
          onChange={setFilter('direction')} options={['in', 'out'].map((d) => [d, tEnum('direction', d)])} />
        <FilterSelect id="filter-outcome" label={t('common.outcome')} value={filters.outcome}
          onChange={setFilter('outcome')}
          options={['accepted', 'rejected', 'held', 'referred'].map((o) => [o, tEnum('outcome', o)])} />
        <button type="button" class="secondary" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? t('live.resume') : t('live.pause')}
        </button>
      </form>
      <p class="muted">{t('live.showing', { shown: visible.length, max: LIVE_ROWS_MAX })}</p>
      <div class="table-scroll" tabIndex={0} role="region" aria-label={t('live.recent')}>
        <table class="live" id="live-table">
          <caption class="visually-hidden">{t('live.recent')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('common.seq')}</th>
              <th scope="col">{t('common.time')}</th>
              <th scope="col">{t('common.outcome')}</th>
              <th scope="col">{t('common.type')}</th>
              <th scope="col">{t('common.gate')}</th>
              <th scope="col">{t('common.direction')}</th>
              <th scope="col">{t('live.subject')}</th>
              <th scope="col">{t('common.reasons')}</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((d) => (
              <tr key={`${d.seq}-${d.id}`} data-command={d.id}>
                <td class="number">{d.seq}</td>
                <td>{formatDateTime(d.at)}</td>
                <td>
                  <Outcome value={d.outcome} />
                </td>
                <td>{tEnum('command', d.type)}</td>
                <td>{d.gate ? <code>{d.gate}</code> : '—'}</td>
                <td>{d.direction ? tEnum('direction', d.direction) : '—'}</td>
                <td>
                  {d.person && <a href={href('person', d.person)}>{d.person}</a>}
                  {d.declaration && <a href={href('declaration', d.declaration)}>{d.declaration}</a>}
                  {!d.person && !d.declaration && '—'}
                </td>
                <td>
                  <Reasons reasons={d.reasons} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function FilterSelect({
  id,
  label,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (event: Event) => void;
  options: [string, string][];
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={onChange}>
        <option value="">{t('common.all')}</option>
        {options.map(([v, text]) => (
          <option value={v} key={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
