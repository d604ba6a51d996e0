// Sign-in: the token is sent once to POST /v1/session, which answers with an HttpOnly cookie; the
// token is then dropped from the page (never stored, never in a URL).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { signIn, type ApiError, type Session } from '../api';
import { asApiError, ErrorBox } from '../components';
import { t, type MessageKey } from '../i18n';

export function SignInPage({
  notice,
  onSignedIn,
  languageSwitch,
}: {
  notice: MessageKey | null;
  onSignedIn: (session: Session) => void;
  languageSwitch: JSX.Element;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const title = t('signin.title');
  useEffect(() => {
    document.title = `${title} · twoline`;
  }, [title]);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(token.trim());
      setToken('');
      onSignedIn(session);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        {languageSwitch}
      </header>
      <main id="main" class="signin-card">
        <h1>{t('signin.title')}</h1>
        <p>{t('signin.intro')}</p>
        {notice && (
          <p class="notice" role="status">
            {t(notice)}
          </p>
        )}
        <form onSubmit={submit} autocomplete="off">
          <label for="token">{t('signin.token')}</label>
          <input
            id="token"
            ref={input}
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
            aria-describedby="token-hint"
            required
          />
          <small id="token-hint" class="muted">
            {t('signin.hint')}
          </small>
          <button type="submit" disabled={busy}>
            {busy ? t('signin.busy') : t('signin.submit')}
          </button>
        </form>
        <ErrorBox error={error} />
      </main>
    </div>
  );
}
