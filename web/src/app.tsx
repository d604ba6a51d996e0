// The console's frame: sign-in, the header (zone, language, who is signed in, sign-out), the
// navigation for the signed-in role, and the page of the current route.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { currentSession, setSignedOutHandler, signOut, type Role, type Session } from './api';
import { useApi } from './components';
import { ConsoleContext, type Console } from './context';
import { LOCALES, locale, setLocale, t, tEnum, type Locale, type MessageKey } from './i18n';
import { BalancesPage } from './pages/balances';
import { DeclarationPage } from './pages/declaration';
import { DeclarationsPage } from './pages/declarations';
import { DeclarePage } from './pages/declare';
import { FlowsPage } from './pages/flows';
import { HealthPage } from './pages/health';
import { JournalPage } from './pages/journal';
import { LivePage } from './pages/live';
import { PersonPage } from './pages/person';
import { PresencePage } from './pages/presence';
import { QueuePage } from './pages/queue';
import { SignInPage } from './pages/signin';
import { TokensPage } from './pages/tokens';
import { VerifyPage } from './pages/verify';
import { ZonesPage } from './pages/zones';
import { href, navigate, parseRoute, useRoute, type Route } from './router';
import type { ZoneProfile } from './types';

interface PageSpec {
  id: string;
  title: MessageKey;
  roles: Role[];
  render: (route: Route) => JSX.Element;
}

// Which pages each role sees. The API decides what each token may read or do; this only keeps the
// navigation to what can work.
const pages: PageSpec[] = [
  { id: 'live', title: 'nav.live', roles: ['officer', 'admin'], render: () => <LivePage /> },
  { id: 'queue', title: 'nav.queue', roles: ['officer', 'admin'], render: () => <QueuePage /> },
  { id: 'presence', title: 'nav.presence', roles: ['officer', 'auditor', 'admin'], render: () => <PresencePage /> },
  { id: 'person', title: 'nav.person', roles: ['officer', 'auditor', 'admin'], render: (r) => <PersonPage id={r.args[0]} /> },
  { id: 'balances', title: 'nav.balances', roles: ['declarant', 'officer', 'auditor', 'admin'], render: (r) => <BalancesPage party={r.args[0]} /> },
  { id: 'declarations', title: 'nav.declarations', roles: ['declarant', 'officer', 'auditor', 'admin'], render: (r) => <DeclarationsPage params={r.params} /> },
  { id: 'declaration', title: 'nav.declaration', roles: ['declarant', 'officer', 'auditor', 'admin'], render: (r) => <DeclarationPage id={r.args[0]} /> },
  { id: 'declare', title: 'nav.declare', roles: ['declarant', 'admin'], render: () => <DeclarePage /> },
  { id: 'flows', title: 'nav.flows', roles: ['auditor', 'officer', 'admin'], render: (r) => <FlowsPage params={r.params} /> },
  { id: 'journal', title: 'nav.journal', roles: ['auditor', 'admin'], render: (r) => <JournalPage params={r.params} /> },
  { id: 'verify', title: 'nav.verify', roles: ['auditor', 'admin'], render: () => <VerifyPage /> },
  { id: 'zones', title: 'nav.zones', roles: ['admin', 'auditor'], render: () => <ZonesPage /> },
  { id: 'tokens', title: 'nav.tokens', roles: ['admin'], render: () => <TokensPage /> },
  { id: 'health', title: 'nav.health', roles: ['admin'], render: () => <HealthPage /> },
];

const homePage: Record<Role, string> = { officer: 'live', declarant: 'balances', auditor: 'flows', admin: 'live' };
const zoneKey = 'twoline.zone';

export function App() {
  // undefined while the existing session is being asked for; null when signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const [, setLocaleState] = useState<Locale>(locale());

  useEffect(() => {
    setSignedOutHandler(() => {
      setSession(null);
      setNotice('signin.expired');
    });
    currentSession().then(setSession, () => setSession(null));
  }, []);

  // Ends the session in the page when it expires, as the server does.
  useEffect(() => {
    if (!session) return;
    const remaining = Date.parse(session.expires_at) - Date.now();
    if (!(remaining > 0)) return;
    const timer = setTimeout(() => {
      setSession(null);
      setNotice('signin.expired');
    }, Math.min(remaining, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [session]);

  const changeLocale = (next: Locale) => {
    setLocale(next);
    setLocaleState(next);
  };

  if (session === undefined) {
    return (
      <p class="muted boot" role="status">
        {t('common.loading')}
      </p>
    );
  }
  if (session === null) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(next) => {
          setNotice(null);
          setSession(next);
        }}
        languageSwitch={<LanguageSwitch onChange={changeLocale} />}
      />
    );
  }
  return (
    <SignedIn
      session={session}
      languageSwitch={<LanguageSwitch onChange={changeLocale} />}
      onSignOut={async () => {
        try {
          await signOut();
        } catch {
          // Signed out in the page either way; the cookie expires on its own.
        }
        setNotice('signin.signedOut');
        setSession(null);
        navigate('#/');
      }}
    />
  );
}

function LanguageSwitch({ onChange }: { onChange: (next: Locale) => void }) {
  return (
    <div class="language">
      <label for="language">{t('common.language')}</label>
      <select id="language" value={locale()} onChange={(event) => onChange(event.currentTarget.value as Locale)}>
        {LOCALES.map((id) => (
          <option value={id} key={id} lang={id === 'en' ? 'en' : id === 'zh-Hans' ? 'zh-Hans' : 'zh-Hant'}>
            {t(`language.${id}` as MessageKey)}
          </option>
        ))}
      </select>
    </div>
  );
}

function SignedIn({
  session,
  languageSwitch,
  onSignOut,
}: {
  session: Session;
  languageSwitch: JSX.Element;
  onSignOut: () => void;
}) {
  const route = useRoute();
  const zones = useApi<ZoneProfile[]>('/v1/zones');
  const [chosenZone, setChosenZone] = useState<string>(() => {
    try {
      return localStorage.getItem(zoneKey) ?? '';
    } catch {
      return '';
    }
  });
  const zoneList = zones.data ?? [];
  const zone = session.zone ?? (zoneList.some((z) => z.id === chosenZone) ? chosenZone : (zoneList[0]?.id ?? ''));
  const context: Console = useMemo(
    () => ({ session, zone, zones: zoneList, profile: zoneList.find((z) => z.id === zone) ?? null }),
    [session, zone, zones.data],
  );

  const allowed = pages.filter((page) => page.roles.includes(session.role));
  const page = allowed.find((p) => p.id === route.page);
  useEffect(() => {
    if (page) return;
    // Only when the location still names no page of the role: a route chosen since this render
    // (a link followed at once after signing in) is not overwritten by the home page.
    const current = parseRoute(location.hash);
    if (allowed.some((p) => p.id === current.page)) return;
    navigate(href(homePage[session.role]));
  }, [page, session.role]);
  // Moves focus to the new page's heading when the page changes (not on the first load), so that
  // keyboard and screen-reader users land on it.
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    document.getElementById('page-heading')?.focus({ preventScroll: true });
  }, [route.page]);

  return (
    <ConsoleContext.Provider value={context}>
      <a class="skip" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        {t('common.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        {session.zone === null ? (
          <div class="zone-select">
            <label for="zone">{t('common.zone')}</label>
            <select
              id="zone"
              value={zone}
              onChange={(event) => {
                const next = event.currentTarget.value;
                setChosenZone(next);
                try {
                  localStorage.setItem(zoneKey, next);
                } catch {
                  // Remembered for this visit only.
                }
              }}
            >
              {zoneList.map((z) => (
                <option value={z.id} key={z.id}>
                  {z.id}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <span class="zone-fixed">
            {t('common.zone')}: <strong>{session.zone}</strong>
          </span>
        )}
        <span class="who">
          <span class="visually-hidden">{t('common.signedInAs')}: </span>
          {tEnum('role', session.role)}
          {session.party ? ` · ${session.party}` : ''}
        </span>
        {languageSwitch}
        <button type="button" class="secondary" onClick={onSignOut}>
          {t('common.signOut')}
        </button>
      </header>
      <div class="layout">
        <nav class="side" aria-label={t('common.navigation')}>
          <ul>
            {allowed.map((p) => (
              <li key={p.id}>
                <a href={href(p.id)} aria-current={p.id === route.page ? 'page' : undefined}>
                  {t(p.title)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {page ? page.render(route) : null}
        </main>
      </div>
    </ConsoleContext.Provider>
  );
}
