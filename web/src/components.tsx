// Small building blocks shared by the pages: loading data, showing API errors, outcomes and reasons,
// form fields with their validation message, paging.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, type Reason } from './api';
import { t, tEnum, type MessageKey } from './i18n';
import { href } from './router';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

// GETs `url` (nothing when null) and again whenever it or `reload` changes; aborts superseded requests.
export function useApi<T>(url: string | null): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: url !== null,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (url === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: null }));
    get<T>(url, controller.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (error) => {
        if (controller.signal.aborted) return;
        setState({ data: null, error: asApiError(error), loading: false });
      },
    );
    return () => controller.abort();
  }, [url, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'client', String(error));
}

export function ErrorBox({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const known: Record<number, MessageKey> = {
    0: 'error.network',
    400: 'error.400',
    401: 'error.401',
    403: 'error.403',
    404: 'error.404',
    409: 'error.409',
    413: 'error.413',
    503: 'error.503',
  };
  const summary = t(known[error.status] ?? 'error.other', { status: error.status });
  return (
    <div class="error" role="alert">
      <strong>{summary}</strong>
      {error.message && (
        <span>
          {' '}
          <code>{error.code}</code> {error.message}
          {error.path && (
            <>
              {' '}
              (<code>{error.path}</code>)
            </>
          )}
        </span>
      )}
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" role="status">
      {t('common.loading')}
    </p>
  ) : null;
}

export function Outcome({ value }: { value: string }) {
  return <span class={`badge outcome-${value}`}>{tEnum('outcome', value)}</span>;
}

export function StateBadge({ value }: { value: string }) {
  return <span class={`badge state-${value}`}>{tEnum('state', value)}</span>;
}

export function Reasons({ reasons }: { reasons: Reason[] | undefined }) {
  if (!reasons || reasons.length === 0) return <span class="muted">{t('common.noReasons')}</span>;
  return (
    <ul class="reasons">
      {reasons.map((reason, i) => (
        <li key={i}>
          <code>{reason.rule}</code>
          {reason.detail && <span> {reason.detail}</span>}
        </li>
      ))}
    </ul>
  );
}

// The page's heading, also the document's title.
export function PageTitle({ title, children }: { title: string; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · twoline`;
  }, [title]);
  return (
    <div class="page-title">
      <h1 ref={heading} tabIndex={-1} id="page-heading">
        {title}
      </h1>
      {children}
    </div>
  );
}

interface FieldProps {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => JSX.Element;
}

// A labelled control with its hint and validation message tied to it for assistive technology.
export function Field({ id, label, error, hint, children }: FieldProps) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': described || undefined })}
      {hint && (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

export function Pager({
  offset,
  limit,
  count,
  onChange,
}: {
  offset: number;
  limit: number;
  count: number;
  onChange: (offset: number) => void;
}) {
  const first = count === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, count);
  return (
    <nav class="pager" aria-label={t('common.pages')}>
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        {t('common.previous')}
      </button>
      <span>{t('common.range', { first, last, count })}</span>
      <button type="button" disabled={offset + limit >= count} onClick={() => onChange(offset + limit)}>
        {t('common.next')}
      </button>
    </nav>
  );
}

// A form that looks something up by id and navigates to it.
export function LookupForm({
  label,
  initial,
  onSubmit,
  id,
}: {
  label: string;
  initial?: string;
  onSubmit: (value: string) => void;
  id: string;
}) {
  const [value, setValue] = useState(initial ?? '');
  useEffect(() => setValue(initial ?? ''), [initial]);
  return (
    <form
      class="inline-form"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) onSubmit(value.trim());
      }}
    >
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(event) => setValue(event.currentTarget.value)} autocomplete="off" />
      <button type="submit">{t('common.open')}</button>
    </form>
  );
}

export function Empty({ when, text }: { when: boolean; text?: string }) {
  return when ? <p class="muted">{text ?? t('common.none')}</p> : null;
}

// The document that created a lot, linked. A declarant is not told which declaration of another
// party sent it goods (docs/security.md, "Need to know"): the server leaves "created_by" empty.
export function CreatedBy({ id }: { id: string }) {
  if (!id) return <span class="muted">{t('lot.received')}</span>;
  return <a href={href('declaration', id)}>{id}</a>;
}
