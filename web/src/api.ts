// The console's one way to the API: same-origin fetch with the session cookie, the CSRF header on
// every state-changing request, and the API's error shape ({error, message, path}) turned into
// ApiError. The session token itself is never held here: it is exchanged once for the HttpOnly
// cookie (signIn) and then forgotten.

export type Role = 'admin' | 'officer' | 'declarant' | 'auditor';

export interface Session {
  role: Role;
  zone: string | null;
  party: string | null;
  token_id: string;
  csrf: string;
  expires_at: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

let csrf: string | null = null;
let onSignedOut: (() => void) | null = null;

// Called whenever the API answers 401 to a request made with the session: the session has expired
// or was revoked.
export function setSignedOutHandler(handler: () => void) {
  onSignedOut = handler;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText;
  let path: string | undefined;
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') {
      code = body.error;
      message = typeof body.message === 'string' ? body.message : message;
      path = typeof body.path === 'string' ? body.path : undefined;
    } else if (body && typeof body.outcome === 'string') {
      // 409: the API answers with the refusing decision itself.
      code = body.outcome;
      message = (body.reasons ?? []).map((r: { rule: string; detail: string }) => `${r.rule}: ${r.detail}`).join('; ');
    }
  } catch {
    // Not JSON (an older server, a proxy): the status line is all there is.
  }
  return new ApiError(response.status, code, message, path);
}

export async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network', String(error));
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !url.startsWith('/v1/session')) onSignedOut?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const get = <T>(url: string, signal?: AbortSignal) => request<T>('GET', url, undefined, signal);
export const post = <T>(url: string, body: unknown) => request<T>('POST', url, body);
export const del = <T>(url: string) => request<T>('DELETE', url);

export async function signIn(token: string): Promise<Session> {
  const session = await request<Session>('POST', '/v1/session', { token });
  csrf = session.csrf;
  return session;
}

export async function currentSession(): Promise<Session> {
  const session = await request<Session>('GET', '/v1/session');
  csrf = session.csrf;
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/v1/session');
  } finally {
    csrf = null;
  }
}

export const zonePath = (zone: string, rest: string) => `/v1/zones/${encodeURIComponent(zone)}/${rest}`;

// Query string from the defined, non-empty values.
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

// A command id unique to this browser and moment, within the API's [A-Za-z0-9._:-]{1,128}.
export function commandId(prefix: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

// Now, as RFC 3339 with the browser's offset (the API refuses times too far from its own clock).
export function nowRfc3339(): string {
  const now = new Date();
  const offset = -now.getTimezoneOffset();
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(now.getTime() + offset * 60000).toISOString().slice(0, 19);
  return `${local}${offset >= 0 ? '+' : '-'}${pad(offset / 60)}:${pad(offset % 60)}`;
}

// The decision the API answers to a command (SPEC §3).
export interface Reason {
  rule: string;
  detail: string;
}
export interface Assessment {
  currency: string;
  customs_duty?: string;
  import_vat?: string;
  personal_articles_tax?: string;
  exempted?: string;
  total?: string;
}
export interface Decision {
  id: string;
  seq?: number;
  outcome: string;
  reasons: Reason[];
  assessment?: Assessment;
  hash?: string;
  [key: string]: unknown;
}
