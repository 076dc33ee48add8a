/** FIFO with O(1) removal by marking: an aborted waiter is skipped when it reaches the head. */
export class WaitQueue<T extends { cancelled: boolean }> {
  /** Taken and skipped slots are emptied: a waiter left in the array outlived its request into the old generation. */
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    this.items.push(item);
    this.live++;
  }

  /** Marks an item removed; it must be in this queue and not yet taken. */
  cancel(item: T): void {
    if (item.cancelled) return;
    item.cancelled = true;
    this.live--;
  }

  peek(): T | undefined {
    while (this.head < this.items.length && (this.items[this.head] as T).cancelled) this.items[this.head++] = undefined;
    this.compact();
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.peek();
    if (item) {
      this.items[this.head++] = undefined;
      this.live--;
    }
    return item;
  }

  drain(): T[] {
    const rest = (this.items.slice(this.head) as T[]).filter((item) => !item.cancelled);
    this.items = [];
    this.head = 0;
    this.live = 0;
    return rest;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
