/**
 * The agent's logger: one pino instance, level from MM_LOG_LEVEL (default info).
 * `child(name)` tags every line with the component that wrote it. Nothing per
 * packet is logged above debug.
 */
import { pino, type Logger } from 'pino';

export const log: Logger = pino({ level: process.env['MM_LOG_LEVEL'] ?? 'info' });

export function child(name: string): Logger {
  return log.child({ c: name });
}
