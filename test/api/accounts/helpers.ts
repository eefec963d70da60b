/** People test helpers: users and API tokens made through the admin API with the admin key, cookie jars. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { admin } from '../helpers';

export const PASSWORD = 'correct horse battery staple';

export async function createUser(app: FastifyInstance, email: string, role: string, password = PASSWORD) {
  const res = await app.inject({
    method: 'POST',
    url: '/admin/v1/users',
    headers: admin,
    payload: { email, name: email.split('@')[0], role, password },
  });
  if (res.statusCode !== 201) throw new Error(`create user: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; email: string; role: string };
}

export async function createToken(app: FastifyInstance, role: string, name = `${role}-token`) {
  const res = await app.inject({ method: 'POST', url: '/admin/v1/tokens', headers: admin, payload: { name, role } });
  if (res.statusCode !== 201) throw new Error(`create token: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; token: string; role: string };
}

/** The value of cookie `name` set by a response (undefined when not set). */
export function setCookie(res: LightMyRequestResponse, name: string) {
  return res.cookies.find((c) => c.name === name);
}

/** Signs in and returns the cookie header for later requests and the CSRF token. */
export async function signIn(app: FastifyInstance, email: string, password = PASSWORD) {
  const res = await app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign in: ${res.statusCode} ${res.body}`);
  const session = setCookie(res, 'cf_session')?.value;
  const csrf = setCookie(res, 'cf_csrf')?.value;
  const cookie = [`cf_session=${session}`, csrf ? `cf_csrf=${csrf}` : ''].filter(Boolean).join('; ');
  return { res, session: session as string, cookie, csrfToken: res.json().csrfToken as string };
}
