// The declaration form: kind, parties, lines (item, quantity, value, currency, origin, production
// date, certificates). Every field is checked as it is typed with the API's own rules, and the
// decision that comes back is shown with its duty, VAT and reasons.
import { useMemo, useState } from 'preact/hooks';
import { commandId, nowRfc3339, post, zonePath, type ApiError, type Decision } from '../api';
import { asApiError, ErrorBox, Field, Outcome, PageTitle, Reasons, useApi } from '../components';
import { useConsole } from '../context';
import { isPositive, toScaled } from '../decimal';
import { formatMoney, t, tEnum, type MessageKey } from '../i18n';
import { href } from '../router';
import type { BalanceAnswer } from '../types';

const KINDS = ['first_line_in', 'first_line_out', 'second_line_in', 'second_line_out', 'transfer', 'consume', 'scrap'];
const CERTIFICATES = ['health', 'origin', 'radioactive_test', 'strontium_tritium_test', 'quarantine_permit', 'biosafety_permit'];
const PURPOSES = ['', 'self_use', 'research'];
const LINES_MAX = 50;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ORIGIN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
const CURRENCY = /^[A-Z]{3}$/;

interface Line {
  sku: string;
  qty: string;
  value: string;
  currency: string;
  origin: string;
  produced_on: string;
  certificates: string[];
}

const emptyLine = (): Line => ({ sku: '', qty: '', value: '', currency: 'CNY', origin: '', produced_on: '', certificates: [] });

let knownCurrencies: Set<string> | null = null;
function isCurrency(code: string): boolean {
  if (!CURRENCY.test(code)) return false;
  if (knownCurrencies === null) {
    try {
      knownCurrencies = new Set(Intl.supportedValuesOf('currency'));
    } catch {
      knownCurrencies = new Set();
    }
  }
  return knownCurrencies.size === 0 || knownCurrencies.has(code);
}

// The message key of what is wrong with a line's field, or null.
function lineErrors(line: Line): Partial<Record<keyof Line, MessageKey>> {
  const errors: Partial<Record<keyof Line, MessageKey>> = {};
  if (!ID.test(line.sku)) errors.sku = line.sku ? 'validate.id' : 'validate.required';
  if (!line.qty) errors.qty = 'validate.required';
  else if (toScaled(line.qty, 3) === null) errors.qty = 'validate.quantity';
  else if (!isPositive(line.qty, 3)) errors.qty = 'validate.positive';
  if (!line.value) errors.value = 'validate.required';
  else if (toScaled(line.value, 2) === null || line.value.startsWith('-')) errors.value = 'validate.money';
  if (!isCurrency(line.currency)) errors.currency = 'validate.currency';
  if (!line.origin) errors.origin = 'validate.required';
  else if (!ORIGIN.test(line.origin)) errors.origin = 'validate.origin';
  if (line.produced_on && !/^\d{4}-\d\d-\d\d$/.test(line.produced_on)) errors.produced_on = 'validate.date';
  return errors;
}

export function DeclarePage() {
  const { zone, session } = useConsole();
  const [id, setId] = useState(() => commandId('D'));
  const [kind, setKind] = useState('first_line_in');
  const [declarant, setDeclarant] = useState(session.party ?? '');
  const [counterparty, setCounterparty] = useState('');
  const [purpose, setPurpose] = useState('');
  const [lines, setLines] = useState<Line[]>([emptyLine()]);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [decision, setDecision] = useState<{ declaration: string; decision: Decision } | null>(null);
  // The party's items, offered as suggestions for the item field.
  const balance = useApi<BalanceAnswer>(
    zone && session.party ? zonePath(zone, `parties/${encodeURIComponent(session.party)}/balance`) : null,
  );
  const skus = useMemo(() => [...new Set(balance.data?.balances.map((b) => b.sku) ?? [])], [balance.data]);

  const headerErrors: Record<string, MessageKey | undefined> = {
    id: ID.test(id) ? undefined : 'validate.id',
    declarant: ID.test(declarant) ? undefined : 'validate.required',
    counterparty: !counterparty || ID.test(counterparty) ? undefined : 'validate.id',
  };
  const errorsByLine = lines.map(lineErrors);
  const valid = Object.values(headerErrors).every((e) => !e) && errorsByLine.every((e) => Object.keys(e).length === 0);
  // A field's message shows once it was left, or after a submit attempt: not while first typing.
  const shown = (key: string, message: MessageKey | undefined) =>
    message && (submitted || touched.has(key)) ? t(message) : null;
  const touch = (key: string) => () => setTouched(new Set(touched).add(key));
  const setLine = (index: number, changes: Partial<Line>) =>
    setLines(lines.map((line, i) => (i === index ? { ...line, ...changes } : line)));

  const submit = async (event: Event) => {
    event.preventDefault();
    setSubmitted(true);
    if (!valid) {
      document.querySelector<HTMLElement>('.declare [aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setDecision(null);
    const declaration: Record<string, unknown> = {
      id,
      kind,
      declarant,
      lines: lines.map((line) => ({
        sku: line.sku,
        qty: line.qty,
        value: line.value,
        currency: line.currency,
        origin: line.origin,
        ...(line.produced_on ? { produced_on: line.produced_on } : {}),
        certificates: line.certificates,
      })),
    };
    if (counterparty) declaration.counterparty = counterparty;
    if (purpose) declaration.purpose = purpose;
    try {
      const answer = await post<Decision>(zonePath(zone, 'commands'), {
        id: commandId('declare'),
        zone,
        at: nowRfc3339(),
        type: 'declare',
        declaration,
      });
      setDecision({ declaration: id, decision: answer });
      if (answer.outcome !== 'invalid') {
        setId(commandId('D'));
        setSubmitted(false);
        setTouched(new Set());
      }
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="declare">
      <PageTitle title={t('declare.title')} />
      <form onSubmit={submit} noValidate aria-describedby="declare-intro">
        <p id="declare-intro" class="muted">
          {t('declare.intro')}
        </p>
        <div class="grid">
          <Field id="declaration-id-input" label={t('declare.id')} error={shown('id', headerErrors.id)}>
            {(props) => <input {...props} value={id} onInput={(e) => setId(e.currentTarget.value.trim())} onBlur={touch('id')} />}
          </Field>
          <Field id="declaration-kind" label={t('common.kind')}>
            {(props) => (
              <select {...props} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                {KINDS.map((k) => (
                  <option value={k} key={k}>
                    {tEnum('kind', k)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="declaration-declarant" label={t('common.declarant')} error={shown('declarant', headerErrors.declarant)}>
            {(props) => (
              <input
                {...props}
                value={declarant}
                readOnly={session.party !== null}
                onInput={(e) => setDeclarant(e.currentTarget.value.trim())}
                onBlur={touch('declarant')}
              />
            )}
          </Field>
          <Field id="declaration-counterparty" label={t('declare.counterparty')} hint={t('common.optional')}
            error={shown('counterparty', headerErrors.counterparty)}>
            {(props) => (
              <input {...props} value={counterparty} onInput={(e) => setCounterparty(e.currentTarget.value.trim())}
                onBlur={touch('counterparty')} />
            )}
          </Field>
          <Field id="declaration-purpose" label={t('declare.purpose')}>
            {(props) => (
              <select {...props} value={purpose} onChange={(e) => setPurpose(e.currentTarget.value)}>
                {PURPOSES.map((p) => (
                  <option value={p} key={p}>
                    {p ? tEnum('purpose', p) : t('common.notSet')}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <datalist id="declare-skus">
          {skus.map((sku) => (
            <option value={sku} key={sku} />
          ))}
        </datalist>
        {lines.map((line, index) => {
          const errors = errorsByLine[index];
          const key = (field: keyof Line) => `line${index}.${field}`;
          const fieldId = (field: string) => `line-${index}-${field}`;
          return (
            <fieldset class="line" key={index}>
              <legend>{t('declare.line', { n: index + 1 })}</legend>
              <div class="grid">
                <Field id={fieldId('sku')} label={t('common.sku')} error={shown(key('sku'), errors.sku)}>
                  {(props) => (
                    <input {...props} list="declare-skus" value={line.sku} autocomplete="off"
                      onInput={(e) => setLine(index, { sku: e.currentTarget.value.trim() })} onBlur={touch(key('sku'))} />
                  )}
                </Field>
                <Field id={fieldId('qty')} label={t('common.quantity')} error={shown(key('qty'), errors.qty)}>
                  {(props) => (
                    <input {...props} inputMode="decimal" value={line.qty}
                      onInput={(e) => setLine(index, { qty: e.currentTarget.value.trim() })} onBlur={touch(key('qty'))} />
                  )}
                </Field>
                <Field id={fieldId('value')} label={t('common.value')} error={shown(key('value'), errors.value)}>
                  {(props) => (
                    <input {...props} inputMode="decimal" value={line.value}
                      onInput={(e) => setLine(index, { value: e.currentTarget.value.trim() })} onBlur={touch(key('value'))} />
                  )}
                </Field>
                <Field id={fieldId('currency')} label={t('declare.currency')} error={shown(key('currency'), errors.currency)}>
                  {(props) => (
                    <input {...props} value={line.currency} maxLength={3} autocomplete="off"
                      onInput={(e) => setLine(index, { currency: e.currentTarget.value.trim().toUpperCase() })}
                      onBlur={touch(key('currency'))} />
                  )}
                </Field>
                <Field id={fieldId('origin')} label={t('declare.origin')} hint={t('declare.originHint')}
                  error={shown(key('origin'), errors.origin)}>
                  {(props) => (
                    <input {...props} value={line.origin} autocomplete="off"
                      onInput={(e) => setLine(index, { origin: e.currentTarget.value.trim().toUpperCase() })}
                      onBlur={touch(key('origin'))} />
                  )}
                </Field>
                <Field id={fieldId('produced')} label={t('declare.producedOn')} hint={t('common.optional')}
                  error={shown(key('produced_on'), errors.produced_on)}>
                  {(props) => (
                    <input {...props} type="date" value={line.produced_on}
                      onInput={(e) => setLine(index, { produced_on: e.currentTarget.value })} onBlur={touch(key('produced_on'))} />
                  )}
                </Field>
              </div>
              <fieldset class="certificates">
                <legend>{t('declare.certificates')}</legend>
                {CERTIFICATES.map((certificate) => (
                  <label class="checkbox" key={certificate}>
                    <input
                      type="checkbox"
                      checked={line.certificates.includes(certificate)}
                      onChange={(e) =>
                        setLine(index, {
                          certificates: e.currentTarget.checked
                            ? [...line.certificates, certificate]
                            : line.certificates.filter((c) => c !== certificate),
                        })
                      }
                    />
                    {tEnum('certificate', certificate)}
                  </label>
                ))}
              </fieldset>
              {lines.length > 1 && (
                <button type="button" class="secondary" onClick={() => setLines(lines.filter((_, i) => i !== index))}>
                  {t('declare.removeLine', { n: index + 1 })}
                </button>
              )}
            </fieldset>
          );
        })}
        <div class="actions">
          <button type="button" class="secondary" disabled={lines.length >= LINES_MAX} onClick={() => setLines([...lines, emptyLine()])}>
            {t('declare.addLine')}
          </button>
          <button type="submit" disabled={busy}>
            {busy ? t('common.sending') : t('declare.submit')}
          </button>
        </div>
        {submitted && !valid && (
          <p class="field-error" role="alert">
            {t('validate.fix')}
          </p>
        )}
      </form>
      <ErrorBox error={error} />
      {decision && <DecisionResult declaration={decision.declaration} decision={decision.decision} />}
    </section>
  );
}

function DecisionResult({ declaration, decision }: { declaration: string; decision: Decision }) {
  const a = decision.assessment;
  return (
    <div class="decision" role="status" id="declare-decision">
      <h2>{t('declare.decision')}</h2>
      <p>
        <Outcome value={decision.outcome} />{' '}
        {decision.outcome !== 'invalid' && <a href={href('declaration', declaration)}>{declaration}</a>}
      </p>
      {a && (
        <dl class="facts money">
          <dt>{t('money.duty')}</dt>
          <dd id="declare-duty">{formatMoney(a.customs_duty, a.currency)}</dd>
          <dt>{t('money.vat')}</dt>
          <dd id="declare-vat">{formatMoney(a.import_vat, a.currency)}</dd>
          {a.exempted && (
            <>
              <dt>{t('money.exempted')}</dt>
              <dd>{formatMoney(a.exempted, a.currency)}</dd>
            </>
          )}
          <dt>{t('money.total')}</dt>
          <dd>{formatMoney(a.total, a.currency)}</dd>
        </dl>
      )}
      {!a && decision.outcome !== 'invalid' && <p class="muted">{t('declare.noAssessment')}</p>}
      <h3>{t('common.reasons')}</h3>
      <Reasons reasons={decision.reasons} />
    </div>
  );
}
