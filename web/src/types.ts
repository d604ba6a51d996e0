// Shapes of the API's answers that the console reads (docs/api.md). Fields a route may not send are
// optional; the console shows what is there.
import type { Assessment, Reason } from './api';

export interface ZoneProfile {
  id: string;
  name: string;
  area_km2: number | null;
  positioning: string;
  lines: { line: string; outside: string; persons_controlled: boolean }[];
  gates: { id: string; line: string; lane: string; list?: string }[];
  lists: (string | { name: string; kind?: string; description?: string })[];
  rules?: Record<string, unknown>[];
  tariffs?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface StreamDecision {
  seq: number;
  id: string;
  type: string;
  outcome: string;
  reasons: Reason[];
  at: string;
  gate?: string;
  line?: string;
  direction?: string;
  person?: string;
  declaration?: string;
}

export interface DeclarationSummary {
  id: string;
  kind: string;
  declarant: string;
  counterparty?: string;
  state: string;
  outcome: string;
  declared_at: string;
  reasons: Reason[];
  hold_rules: string[];
  needs_measurements: boolean;
  assessment?: Assessment;
}

export interface DeclarationList {
  count: number;
  declarations: DeclarationSummary[];
}

export interface Crossing {
  seq: number;
  id: string;
  at: string;
  person?: string;
  gate: string;
  direction: string;
  outcome: string;
  reasons: Reason[];
}

export interface PersonRecord {
  id: string;
  name: string;
  nationality: string;
  resident_of: string;
  birth_date: string;
  affiliation?: string;
  documents: { type: string; number: string; valid_from: string; valid_until: string }[];
  lists: string[];
  inside: boolean;
  entered_at?: string | null;
  entered_gate?: string | null;
  recent_crossings: Crossing[];
}

export interface Presence {
  zone: string;
  count: number;
  offset: number;
  persons: { person: string; entered_at: string; gate: string }[];
}

export interface Balance {
  sku: string;
  status: string;
  quantity: string;
  value: string;
  reserved: string;
  free: string;
  incoming: string;
}

export interface Lot {
  lot: number;
  party: string;
  sku: string;
  status: string;
  quantity: string;
  on_hand: string;
  reserved: string;
  value: string;
  imported_input?: string;
  mainland_input?: string;
  origin: string;
  produced_on?: string;
  created_by: string;
  source: string;
  created_on: string;
  parents?: { lot: number; quantity: string }[];
}

export interface BalanceAnswer {
  zone: string;
  party: string;
  balances: Balance[];
  lots: Lot[];
}

// A journal entry as stored (docs/journal.md): seq, kind, zone, prev, command and decision, or the
// profile text, and hash.
export interface JournalEntry {
  seq: number;
  kind: string;
  hash: string;
  prev: string;
  [key: string]: unknown;
}

export interface JournalPage {
  zone: string;
  from: number;
  entries: JournalEntry[];
  next: number | null;
}

export interface VerifyAnswer {
  ok: boolean;
  entries?: number;
  head?: string;
  state_hash?: string;
  error?: string;
}

export interface TokenInfo {
  id: string;
  role: string;
  zone: string | null;
  party: string | null;
  created_at: string;
  revoked_at: string | null;
}
