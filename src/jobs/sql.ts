/** SQL fragments for the queue; times come from the database clock so instances agree. */
import { sql, type SQL } from 'drizzle-orm';

/** `now() + ms milliseconds`, computed by the database. */
export function nowPlusMs(ms: number): SQL {
  return sql`now() + interval '1 millisecond' * ${ms}::double precision`;
}
