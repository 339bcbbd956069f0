// What a thrown value says, whatever was thrown.
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
