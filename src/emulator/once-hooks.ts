/**
 * Edits a test asks the emulator to make once, just before the next event of their key: "another admin" changing a
 * group, a user or the directory between a client's read and its write (server.ts `beforeNextGroupWrite`,
 * `beforeNextUserWrite`, `duringNextListing`).
 */
export class OnceHooks<K> {
  private readonly edits = new Map<K, () => void>();

  /** `edit` runs at the next `run(key)`, once; a later one for the same key replaces it. */
  set(key: K, edit: () => void): void {
    this.edits.set(key, edit);
  }

  run(key: K): void {
    const edit = this.edits.get(key);
    if (edit === undefined) return;
    this.edits.delete(key);
    edit();
  }

  clear(): void {
    this.edits.clear();
  }
}
