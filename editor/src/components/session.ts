/** Who is signed in, and what their role allows (the server enforces it; the editor only hides what cannot work). */
import { createContext, useContext } from 'react';
import { api, setCsrfToken } from '../api/client';

export type Role = 'viewer' | 'editor' | 'publisher' | 'admin';
const ROLES: Role[] = ['viewer', 'editor', 'publisher', 'admin'];

export interface Principal {
  type: 'user' | 'token' | 'admin-key';
  id: string | null;
  name: string;
  email: string | null;
  role: Role;
}

export interface SessionBody {
  principal: Principal;
  csrfToken: string | null;
  expiresAt: string | null;
}

/** True when `role` is `needed` or stronger. */
export const can = (role: Role | undefined, needed: Role): boolean =>
  role !== undefined && ROLES.indexOf(role) >= ROLES.indexOf(needed);

export const SessionContext = createContext<Principal | null>(null);
export const usePrincipal = (): Principal | null => useContext(SessionContext);

/** The current session (cookie or admin key), remembering its CSRF token; null when nobody is signed in. */
export async function loadSession(): Promise<Principal | null> {
  try {
    const body = await api<SessionBody>('GET', '/session');
    setCsrfToken(body.csrfToken);
    return body.principal;
  } catch {
    setCsrfToken(null);
    return null;
  }
}
