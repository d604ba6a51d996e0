// The zones and their profiles as a person reads them: identity, lines, gates and lanes, lists,
// and — from the profile text that the journal holds (SPEC 10a) — rules with their effective dates,
// allowances, limits, rates and the tariff.
import { parse } from 'smol-toml';
import { useMemo } from 'preact/hooks';
import { query, zonePath } from '../api';
import { Empty, ErrorBox, Loading, PageTitle, useApi } from '../components';
import { useConsole } from '../context';
import { formatDate, formatNumber, t, tEnum, type MessageKey } from '../i18n';
import type { JournalPage, ZoneProfile } from '../types';

type Table = Record<string, unknown>;

// Sections of a profile shown as tables, in reading order: [path in the TOML, title].
const SECTIONS: [string, MessageKey][] = [
  ['person_rules', 'zones.personRules'],
  ['goods.rules', 'zones.goodsRules'],
  ['allowances', 'zones.allowances'],
  ['fresh_food', 'zones.freshFood'],
  ['radiation_limits', 'zones.radiationLimits'],
  ['personal_article_rates', 'zones.personalRates'],
  ['exchange_rates', 'zones.exchangeRates'],
];

function at(root: Table, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Table)[key] : undefined), root);
}

function cell(key: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => cell(key, v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (key.startsWith('effective_') || key.endsWith('_date')) return formatDate(String(value));
  return String(value);
}

// An array of TOML tables as one HTML table; columns are the union of their keys.
function RecordsTable({ rows, caption }: { rows: Table[]; caption: string }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const order = (key: string) => (key === 'id' ? 0 : key.startsWith('effective_') ? 1 : 2);
  columns.sort((a, b) => order(a) - order(b));
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table class="compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                <code>{c}</code>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cell(c, row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ZonesPage() {
  const { zones, zone } = useConsole();
  const profile = zones.find((z) => z.id === zone);
  return (
    <section>
      <PageTitle title={t('zones.title')} />
      <p class="muted">{t('zones.intro', { count: zones.length })}</p>
      <ul class="zone-list">
        {zones.map((z) => (
          <li key={z.id}>
            <strong>{z.name}</strong> <code>{z.id}</code> — {t('zones.area', { area: formatNumber(z.area_km2 ?? 0) })}
          </li>
        ))}
      </ul>
      {profile && <ZoneProfileView profile={profile} />}
    </section>
  );
}

function ZoneProfileView({ profile }: { profile: ZoneProfile }) {
  // The profile text in force, from the journal's first entry (the one that put the profile in force).
  const entry = useApi<JournalPage>(zonePath(profile.id, `journal${query({ from: 1, limit: 1 })}`));
  const first = entry.data?.entries[0];
  const parsed = useMemo(() => {
    if (!first || first.kind !== 'profile' || typeof first.profile !== 'string') return null;
    try {
      return { toml: parse(first.profile) as Table, tariff: parseTariff(String(first.tariff ?? '')) };
    } catch {
      return null;
    }
  }, [first]);

  return (
    <>
      <h2>
        {profile.name} <code>{profile.id}</code>
      </h2>
      <p>{profile.positioning}</p>
      <h3>{t('zones.lines')}</h3>
      <table class="compact">
        <thead>
          <tr>
            <th scope="col">{t('common.line')}</th>
            <th scope="col">{t('zones.outside')}</th>
            <th scope="col">{t('zones.personsControlled')}</th>
          </tr>
        </thead>
        <tbody>
          {profile.lines.map((l) => (
            <tr key={l.line}>
              <td>{tEnum('line', l.line)}</td>
              <td>{l.outside}</td>
              <td>{l.persons_controlled ? t('common.yes') : t('common.no')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('zones.gates')}</h3>
      <table class="compact" id="gates-table">
        <thead>
          <tr>
            <th scope="col">{t('common.gate')}</th>
            <th scope="col">{t('common.line')}</th>
            <th scope="col">{t('common.lane')}</th>
            <th scope="col">{t('zones.list')}</th>
          </tr>
        </thead>
        <tbody>
          {profile.gates.map((g) => (
            <tr key={g.id}>
              <td>
                <code>{g.id}</code>
              </td>
              <td>{tEnum('line', g.line)}</td>
              <td>{tEnum('lane', g.lane)}</td>
              <td>{g.list ? tEnum('list', g.list) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('zones.lists')}</h3>
      <ul>
        {profile.lists.map((list) => {
          const name = typeof list === 'string' ? list : list.name;
          return (
            <li key={name}>
              {tEnum('list', name)} <code>{name}</code>
            </li>
          );
        })}
      </ul>
      {profile.rules && <RecordsTable rows={profile.rules} caption={t('zones.rules')} />}
      {profile.tariffs && <RecordsTable rows={profile.tariffs} caption={t('zones.tariff')} />}
      <h3>{t('zones.inForce')}</h3>
      <ErrorBox error={entry.error} />
      <Loading when={entry.loading} />
      {first && (
        <p class="muted">
          {t('zones.fromJournal', { seq: first.seq })} <code>{String(first.profile_sha256 ?? first.hash)}</code>
        </p>
      )}
      {entry.data && !parsed && <Empty when text={t('zones.noProfileText')} />}
      {parsed && (
        <>
          {SECTIONS.map(([path, title]) => {
            const rows = at(parsed.toml, path);
            const list = Array.isArray(rows) ? (rows as Table[]) : [];
            return list.length > 0 ? (
              <div key={path}>
                <h4>{t(title)}</h4>
                <RecordsTable rows={list} caption={t(title)} />
              </div>
            ) : null;
          })}
          {typeof at(parsed.toml, 'goods.sampling') === 'object' && (
            <>
              <h4>{t('zones.sampling')}</h4>
              <RecordsTable rows={[at(parsed.toml, 'goods.sampling') as Table]} caption={t('zones.sampling')} />
            </>
          )}
          {parsed.tariff.length > 0 && (
            <>
              <h4>{t('zones.tariff')}</h4>
              <p class="muted">{t('zones.tariffNote')}</p>
              <RecordsTable rows={parsed.tariff} caption={t('zones.tariff')} />
            </>
          )}
        </>
      )}
    </>
  );
}

// The tariff CSV (hs_prefix,customs_duty_rate,vat_rate,description), comment lines skipped.
function parseTariff(text: string): Table[] {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  if (lines.length === 0) return [];
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Table = {};
    header.forEach((key, i) => {
      row[key] = i === header.length - 1 ? cells.slice(i).join(',') : cells[i];
    });
    return row;
  });
}
