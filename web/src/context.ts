// What every page needs to know: who is signed in and which zone is being looked at.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api';
import type { ZoneProfile } from './types';

export interface Console {
  session: Session;
  zone: string; // the zone the pages show ('' when the token sees no zone)
  profile: ZoneProfile | null; // its profile, when the zones were loaded
  zones: ZoneProfile[];
}

export const ConsoleContext = createContext<Console | null>(null);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside the signed-in console');
  return value;
}
