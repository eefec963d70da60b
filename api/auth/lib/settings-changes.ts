/** What changed between two versions of the JWT settings, field by field, with the HMAC secret never shown. */

export interface SettingsChange {
  /** Dot path of the field, e.g. `issuer`, `key.kind`, `tokenSources.header`. */
  field: string;
  /** The value before (null when absent); `[redacted]` for a secret. */
  before: unknown;
  after: unknown;
}

/** Fields whose values are never shown, only named. */
const SECRET_FIELDS = new Set(['key.secret']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isObject(value) && !(prefix === 'key.jwks')) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
}

/**
 * Lists the changed fields (objects are compared member by member; arrays and an inline JWKS as a whole), sorted.
 * @example settingsChanges({ issuer: 'a' }, {}) // [{ field: 'issuer', before: 'a', after: null }]
 */
export function settingsChanges(before: unknown, after: unknown): SettingsChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  leaves(before, '', a);
  leaves(after, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: SettingsChange[] = [];
  for (const field of fields) {
    const x = a.get(field);
    const y = b.get(field);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const show = (v: unknown) => (v === undefined ? null : SECRET_FIELDS.has(field) ? '[redacted]' : v);
    changes.push({ field, before: show(x), after: show(y) });
  }
  return changes;
}
