/** Service errors in plain words for a form: which field (without the `body.` path prefix) and what is wrong. */
import { ApiError, describeError } from '../api/client';

export interface FieldError {
  /** e.g. `key.secret`, `algorithms.0`; null when the error is about no one field */
  field: string | null;
  message: string;
}

export function fieldError(error: unknown): FieldError {
  const text = describeError(error);
  const field = error instanceof ApiError && error.field ? error.field.replace(/^body\.?/, '') || null : null;
  // "body.key.secret: must be at least 32 bytes" -> "Must be at least 32 bytes"
  const plain = text.replace(/^(body|query|params)(\.[\w.[\]-]+)?:\s*/, '');
  return { field, message: plain.charAt(0).toUpperCase() + plain.slice(1) };
}
