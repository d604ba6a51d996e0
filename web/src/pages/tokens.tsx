// Tokens (administrators only): list, create (the secret is shown once, here, and never again) and
// revoke.
import { useState } from 'preact/hooks';
import { del, post, type ApiError, type Role } from '../api';
import { asApiError, Empty, ErrorBox, Field, Loading, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { formatDateTime, t, tEnum } from '../i18n';
import type { TokenInfo } from '../types';

const ROLES: Role[] = ['officer', 'declarant', 'auditor', 'admin'];
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function TokensPage() {
  const { zones } = useConsole();
  const list = useApi<TokenInfo[]>('/v1/tokens');
  const tokens = list.data ?? [];
  const [role, setRole] = useState<Role>('officer');
  const [zone, setZone] = useState('');
  const [party, setParty] = useState('');
  const [created, setCreated] = useState<{ info: TokenInfo; secret: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const zoneRequired = role === 'officer' || role === 'declarant';
  const zoneError = zoneRequired && !zone ? t('validate.required') : null;
  const partyError = role === 'declarant' ? (!party ? t('validate.required') : ID.test(party) ? null : t('validate.id')) : null;

  const create = async (event: Event) => {
    event.preventDefault();
    if (zoneError || partyError) return;
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const body: Record<string, string> = { role };
      if (zone && role !== 'admin') body.zone = zone;
      if (role === 'declarant') body.party = party;
      const answer = await post<TokenInfo & { token: string }>('/v1/tokens', body);
      setCreated({ info: answer, secret: answer.token });
      list.reload();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    setBusy(true);
    setError(null);
    try {
      await del(`/v1/tokens/${encodeURIComponent(id)}`);
      setConfirming(null);
      list.reload();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageTitle title={t('tokens.title')} />
      <h2>{t('tokens.create')}</h2>
      <form class="grid" onSubmit={create}>
        <Field id="token-role" label={t('tokens.role')}>
          {(props) => (
            <select {...props} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              {ROLES.map((r) => (
                <option value={r} key={r}>
                  {tEnum('role', r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {role !== 'admin' && (
          <Field id="token-zone" label={t('common.zone')} hint={zoneRequired ? undefined : t('tokens.anyZone')} error={zoneError}>
            {(props) => (
              <select {...props} value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
                <option value="">{zoneRequired ? t('tokens.chooseZone') : t('tokens.everyZone')}</option>
                {zones.map((z) => (
                  <option value={z.id} key={z.id}>
                    {z.id}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {role === 'declarant' && (
          <Field id="token-party" label={t('tokens.party')} error={party ? partyError : null}>
            {(props) => <input {...props} value={party} onInput={(e) => setParty(e.currentTarget.value.trim())} />}
          </Field>
        )}
        <div class="actions">
          <button type="submit" disabled={busy || Boolean(zoneError || partyError)}>
            {t('tokens.createButton')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {created && (
        <div class="secret" role="status" id="token-created">
          <p>
            <strong>{t('tokens.createdOnce')}</strong>
          </p>
          <p>
            {t('tokens.id')}: <code>{created.info.id}</code>
          </p>
          <label for="token-secret">{t('tokens.secret')}</label>
          <input id="token-secret" readOnly value={created.secret} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" class="secondary" onClick={() => setCreated(null)}>
            {t('tokens.hide')}
          </button>
        </div>
      )}
      <h2>{t('tokens.list')}</h2>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && <Empty when={tokens.length === 0} />}
      {tokens.length > 0 && (
        <table id="tokens-table">
          <thead>
            <tr>
              <th scope="col">{t('tokens.id')}</th>
              <th scope="col">{t('tokens.role')}</th>
              <th scope="col">{t('common.zone')}</th>
              <th scope="col">{t('tokens.party')}</th>
              <th scope="col">{t('tokens.created')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => {
              const revoked = Boolean(token.revoked_at);
              return (
                <tr key={token.id} data-token={token.id}>
                  <td>
                    <code>{token.id}</code>
                  </td>
                  <td>{tEnum('role', token.role)}</td>
                  <td>{token.zone || t('tokens.everyZone')}</td>
                  <td>{token.party || '—'}</td>
                  <td>{formatDateTime(token.created_at)}</td>
                  <td>{revoked ? t('tokens.revoked') : t('tokens.active')}</td>
                  <td>
                    {!revoked &&
                      (confirming === token.id ? (
                        <span class="confirm">
                          <button type="button" class="danger" disabled={busy} onClick={() => revoke(token.id)}>
                            {t('tokens.confirmRevoke', { id: token.id })}
                          </button>{' '}
                          <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                            {t('common.cancel')}
                          </button>
                        </span>
                      ) : (
                        <button type="button" class="secondary" onClick={() => setConfirming(token.id)}>
                          {t('tokens.revoke')}
                        </button>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
