const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` has the shape of a UUID (any version), so it can be compared with a `uuid`
 * column without PostgreSQL rejecting it (a 500). Used on ids that come from outside: cursors,
 * tenant slugs-or-ids, Stripe metadata.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
