// The officer's work queue: declarations held for an inspection or a laboratory test (record the
// result, or nuclide measurements for a radiation test) and crossings referred to secondary
// inspection.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { commandId, nowRfc3339, post, query, zonePath, type ApiError, type Decision } from '../api';
import { asApiError, Empty, ErrorBox, Field, Loading, Outcome, PageTitle, Reasons, useApi } from '../components';
import { useConsole } from '../context';
import { formatDateTime, formatNumber, t, tEnum } from '../i18n';
import { documentName, href } from '../router';
import type { DeclarationList, DeclarationSummary } from '../types';

const NUCLIDES = ['I-131', 'Cs-134', 'Cs-137'];
const ACTIVITY = /^\d{1,12}(\.\d{1,3})?$/;

export function QueuePage() {
  const { zone } = useConsole();
  const held = useApi<DeclarationList>(zone ? zonePath(zone, `declarations${query({ state: 'held', limit: 100 })}`) : null);
  const referred = useApi<{ crossings: import('../types').Crossing[] }>(
    zone ? zonePath(zone, `crossings${query({ outcome: 'referred', limit: 50 })}`) : null,
  );
  const [open, setOpen] = useState<string | null>(null);
  const [recorded, setRecorded] = useState<{ declaration: string; decision: Decision } | null>(null);

  return (
    <section>
      <PageTitle title={t('queue.title')} />
      <h2>{t('queue.held')}</h2>
      {recorded && (
        <div class="decision" role="status" id="inspection-recorded">
          <p>
            {t('queue.recorded', { id: recorded.declaration })} <Outcome value={recorded.decision.outcome} />{' '}
            {typeof recorded.decision.inspection === 'string' && (
              <strong>{tEnum('inspection', recorded.decision.inspection)}</strong>
            )}
          </p>
          <Reasons reasons={recorded.decision.reasons} />
        </div>
      )}
      <ErrorBox error={held.error} />
      <Loading when={held.loading && !held.data} />
      {held.data && (
        <>
          <p class="muted">{t('queue.heldCount', { count: held.data.count })}</p>
          <Empty when={held.data.declarations.length === 0} text={t('queue.noneHeld')} />
          {held.data.declarations.length > 0 && (
            <table id="held-table">
              <thead>
                <tr>
                  <th scope="col">{t('common.declaration')}</th>
                  <th scope="col">{t('common.kind')}</th>
                  <th scope="col">{t('common.declarant')}</th>
                  <th scope="col">{t('common.declaredAt')}</th>
                  <th scope="col">{t('queue.holdRules')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {held.data.declarations.map((d) => (
                  <Fragment key={d.id}>
                    <tr data-declaration={d.id}>
                      <td>
                        <a href={href('declaration', documentName(d))}>{d.id}</a>
                      </td>
                      <td>{tEnum('kind', d.kind)}</td>
                      <td>{d.declarant}</td>
                      <td>{formatDateTime(d.declared_at)}</td>
                      <td>
                        {d.hold_rules.map((rule) => (
                          <code key={rule} class="tag">
                            {rule}
                          </code>
                        ))}
                      </td>
                      <td>
                        <button
                          type="button"
                          aria-expanded={open === d.id}
                          aria-controls={`inspect-${d.id}`}
                          onClick={() => setOpen(open === d.id ? null : d.id)}
                        >
                          {d.needs_measurements ? t('queue.recordMeasurements') : t('queue.recordResult')}
                        </button>
                      </td>
                    </tr>
                    {open === d.id && (
                      <tr>
                        <td colSpan={6}>
                          <InspectionForm
                            declaration={d}
                            onDone={(decision) => {
                              setRecorded({ declaration: d.id, decision });
                              setOpen(null);
                              held.reload();
                            }}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h2>{t('queue.referred')}</h2>
      <ErrorBox error={referred.error} />
      <Loading when={referred.loading && !referred.data} />
      {referred.data && (
        <>
          <Empty when={referred.data.crossings.length === 0} text={t('queue.noneReferred')} />
          {referred.data.crossings.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.seq')}</th>
                  <th scope="col">{t('common.time')}</th>
                  <th scope="col">{t('common.person')}</th>
                  <th scope="col">{t('common.gate')}</th>
                  <th scope="col">{t('common.direction')}</th>
                  <th scope="col">{t('common.reasons')}</th>
                </tr>
              </thead>
              <tbody>
                {referred.data.crossings.map((c) => (
                  <tr key={c.seq}>
                    <td class="number">{formatNumber(c.seq)}</td>
                    <td>{formatDateTime(c.at)}</td>
                    <td>{c.person ? <a href={href('person', c.person)}>{c.person}</a> : '—'}</td>
                    <td>
                      <code>{c.gate}</code>
                    </td>
                    <td>{tEnum('direction', c.direction)}</td>
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

function InspectionForm({
  declaration,
  onDone,
}: {
  declaration: DeclarationSummary;
  onDone: (decision: Decision) => void;
}) {
  const { zone } = useConsole();
  const measured = declaration.needs_measurements;
  const [result, setResult] = useState<'pass' | 'fail'>('pass');
  const [activities, setActivities] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const prefix = `inspect-${declaration.id}`;

  const activityError = (nuclide: string) => {
    const value = activities[nuclide] ?? '';
    return value === '' || ACTIVITY.test(value) ? null : t('validate.activity');
  };
  const filled = NUCLIDES.filter((n) => (activities[n] ?? '') !== '');
  const valid = measured ? filled.length > 0 && NUCLIDES.every((n) => !activityError(n)) : true;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(null);
    const command: Record<string, unknown> = {
      id: commandId('inspect'),
      zone,
      at: nowRfc3339(),
      type: 'inspect',
      declaration: documentName(declaration),
    };
    if (measured) command.measurements = filled.map((nuclide) => ({ nuclide, bq_per_kg: activities[nuclide] }));
    else command.result = result;
    try {
      onDone(await post<Decision>(zonePath(zone, 'commands'), command));
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form id={prefix} class="inspection" onSubmit={submit} aria-label={t('queue.formLabel', { id: declaration.id })}>
      {measured ? (
        <fieldset>
          <legend>{t('queue.measurements')}</legend>
          <div class="grid">
          {NUCLIDES.map((nuclide) => (
            <Field key={nuclide} id={`${prefix}-${nuclide}`} label={`${nuclide} (Bq/kg)`} error={activityError(nuclide)}>
              {(props) => (
                <input
                  {...props}
                  inputMode="decimal"
                  value={activities[nuclide] ?? ''}
                  onInput={(event) => setActivities({ ...activities, [nuclide]: event.currentTarget.value.trim() })}
                />
              )}
            </Field>
          ))}
          </div>
          <small class="muted">{t('queue.measurementsHint')}</small>
        </fieldset>
      ) : (
        <fieldset>
          <legend>{t('queue.result')}</legend>
          {(['pass', 'fail'] as const).map((value) => (
            <label key={value} class="radio">
              <input
                type="radio"
                name={`${prefix}-result`}
                value={value}
                checked={result === value}
                onChange={() => setResult(value)}
              />
              {tEnum('inspection', value)}
            </label>
          ))}
        </fieldset>
      )}
      <button type="submit" disabled={busy || !valid}>
        {t('queue.submit')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
