import type { LiveTurn } from './live-turn';

/**
 * The run in flight is remembered in sessionStorage (per tab) with what has streamed so far and
 * the last event id, so a reload picks it up with `Last-Event-ID` instead of losing the answer.
 */
const KEY = 'agentry.activeRun';
/** Runs older than this are not resumed: the API keeps events for an hour at least. */
const MAX_AGE_MS = 30 * 60 * 1000;

interface StoredRun {
  turn: LiveTurn;
  savedAt: number;
}

export function saveActiveRun(turn: LiveTurn): void {
  if (!turn.runId) return;
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ turn, savedAt: Date.now() } satisfies StoredRun));
  } catch {
    // Storage full or disabled: resuming after a reload is lost, streaming still works.
  }
}

export function loadActiveRun(): LiveTurn | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as StoredRun;
    if (Date.now() - stored.savedAt > MAX_AGE_MS || !stored.turn?.runId) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return stored.turn;
  } catch {
    return null;
  }
}

export function clearActiveRun(runId?: string | null): void {
  try {
    if (runId) {
      const current = loadActiveRun();
      if (current && current.runId !== runId) return;
    }
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing to clear.
  }
}
