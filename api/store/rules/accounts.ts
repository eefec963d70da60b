/** Account rules shared by the stores and the sign-in limiter: how an email is compared. */

/** Lower-cased, trimmed: emails are unique regardless of case. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
