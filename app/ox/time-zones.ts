// The time-zone ids OX accepts: Java's TimeZone.getAvailableIDs() (OX runs on Java; read from
// OpenJDK 17, tzdata 2025a), canonical names and aliases alike (Asia/Kolkata and Asia/Calcutta,
// Europe/Kyiv and Europe/Kiev, Etc/UTC and UTC). OX stores a user's zone as given and turns an id
// Java does not know into GMT without a word (shared/spec/ox-login.md §3.6), so the endpoint
// checks every zone against this list before OX sees it. The list is data: time-zones.json.
import zones from './time-zones.json' with { type: 'json' };

export const OX_TIME_ZONES: readonly string[] = zones;

const KNOWN = new Set(OX_TIME_ZONES);

export function isOxTimeZone(id: string): boolean {
  return KNOWN.has(id);
}
