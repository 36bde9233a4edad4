// The last event seq the client holds per conversation: what a hello or resume names, and how an event
// that arrives twice (a replay overlapping a live delivery, a REST page overlapping the socket) or too
// early (a gap) is recognised.

export type Arrival = "new" | "duplicate" | "gap";

export class Cursors {
  private readonly seqs = new Map<string, number>();

  get(conversationId: string): number | undefined {
    return this.seqs.get(conversationId);
  }

  has(conversationId: string): boolean {
    return this.seqs.has(conversationId);
  }

  /** Sets a cursor outright: from a conversation's lastSeq, or when a copy is dropped. */
  set(conversationId: string, seq: number): void {
    this.seqs.set(conversationId, seq);
  }

  /** Moves a cursor forward only. */
  advance(conversationId: string, seq: number): void {
    const current = this.seqs.get(conversationId);
    if (current === undefined || seq > current) this.seqs.set(conversationId, seq);
  }

  delete(conversationId: string): void {
    this.seqs.delete(conversationId);
  }

  /** Classifies an event's seq and, when it is the next one, takes it. */
  accept(conversationId: string, seq: number): Arrival {
    const current = this.seqs.get(conversationId);
    if (current === undefined) {
      this.seqs.set(conversationId, seq);
      return "new";
    }
    if (seq <= current) return "duplicate";
    if (seq !== current + 1) return "gap";
    this.seqs.set(conversationId, seq);
    return "new";
  }

  toObject(limit = 2000): Record<string, number> {
    const result: Record<string, number> = {};
    let n = 0;
    for (const [id, seq] of this.seqs) {
      if (n++ >= limit) break;
      result[id] = seq;
    }
    return result;
  }
}
