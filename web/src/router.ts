// Hash routing (#/live, #/person/P-0001): the server serves one page, and nothing secret ever goes
// into a URL (ids of things only).
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  args: string[];
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [pathText, queryText = ''] = text.split('?', 2);
  const parts = pathText.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  return { page: parts[0] ?? '', args: parts.slice(1), params: new URLSearchParams(queryText) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    // The hash may have changed between the first render and this subscription (a slow machine,
    // a link followed at once): take it up now rather than keep a stale route.
    onChange();
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

// The href of a page: href('person', 'P-1') -> "#/person/P-1".
export function href(page: string, ...args: (string | number)[]): string {
  return `#/${[page, ...args.map((arg) => encodeURIComponent(String(arg)))].join('/')}`;
}

// The name of a party's declaration that is never ambiguous: declaration ids are each party's own,
// and when several parties use one an officer names it as ID@PARTY (docs/security.md, "Declaration
// ids"). A declarant's own documents answer to it too.
export function documentName(d: { id: string; declarant: string }): string {
  return d.declarant ? `${d.id}@${d.declarant}` : d.id;
}

export function hrefWith(page: string, params: Record<string, string | number | undefined>, ...args: string[]): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return href(page, ...args) + (text ? `?${text}` : '');
}

export function navigate(to: string) {
  if (location.hash !== to) location.hash = to;
}
