/**
 * The wait before reconnect attempt `attempt` (0-based): exponential from `baseMs` up to `capMs`, with
 * "equal jitter" (half fixed, half random), so a server restart is not met by every client at once and
 * no client waits longer than the cap.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
