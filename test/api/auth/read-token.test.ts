/** readToken: precedence, conflict reporting, and robust Cookie / Authorization parsing. */
import { describe, expect, it } from 'vitest';
import { parseCookies, readToken, TokenSourcesSchema } from '../../../api/auth';

const sources = TokenSourcesSchema.parse({ header: 'x-custom-tkn' });

describe('readToken', () => {
  it('reads the cookie blaize_jwt by default', () => {
    const defaults = TokenSourcesSchema.parse({});
    expect(readToken({ headers: { cookie: 'a=1; blaize_jwt=c' } }, defaults)).toEqual({
      token: 'c',
      source: 'cookie',
      conflict: false,
    });
  });

  it('prefers header over bearer over cookie by default, and reports different tokens as a conflict', () => {
    expect(readToken({ headers: { authorization: 'Bearer b', cookie: 'blaize_jwt=c' } }, sources)).toEqual({
      token: 'b',
      source: 'bearer',
      conflict: true,
    });
    expect(
      readToken({ headers: { 'x-custom-tkn': 'h', authorization: 'Bearer b', cookie: 'blaize_jwt=c' } }, sources),
    ).toEqual({ token: 'h', source: 'header', conflict: true });
  });

  it('the same token in two sources is no conflict', () => {
    expect(readToken({ headers: { 'x-custom-tkn': 'h', authorization: 'Bearer h' } }, sources)).toEqual({
      token: 'h',
      source: 'header',
      conflict: false,
    });
  });

  it('follows a configured precedence', () => {
    const cookieFirst = TokenSourcesSchema.parse({ precedence: ['cookie', 'bearer'] });
    expect(readToken({ headers: { authorization: 'Bearer b', cookie: 'blaize_jwt=c' } }, cookieFirst)).toEqual({
      token: 'c',
      source: 'cookie',
      conflict: true,
    });
  });

  it('never reads a disabled source or one left out of precedence', () => {
    const noBearer = TokenSourcesSchema.parse({ bearer: false, header: 'x-custom-tkn' });
    expect(readToken({ headers: { authorization: 'Bearer b' } }, noBearer)).toEqual({
      token: null,
      source: null,
      conflict: false,
    });
    const onlyCookie = TokenSourcesSchema.parse({ header: 'x-custom-tkn', precedence: ['cookie'] });
    expect(readToken({ headers: { 'x-custom-tkn': 'h', cookie: 'blaize_jwt=c' } }, onlyCookie)).toEqual({
      token: 'c',
      source: 'cookie',
      conflict: false,
    });
    const noCookie = TokenSourcesSchema.parse({ cookie: null });
    expect(readToken({ headers: { cookie: 'blaize_jwt=c' } }, noCookie).token).toBeNull();
  });

  it('takes the Bearer scheme case-insensitively and refuses other schemes and junk', () => {
    for (const auth of ['bearer t', 'BEARER t', '  Bearer   t  ']) {
      expect(readToken({ headers: { authorization: auth } }, sources).token).toBe('t');
    }
    for (const auth of ['Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearerx t', '']) {
      expect(readToken({ headers: { authorization: auth } }, sources), auth).toEqual({
        token: null,
        source: null,
        conflict: false,
      });
    }
  });

  it('skips empty sources and matches header names case-insensitively', () => {
    expect(readToken({ headers: { 'x-custom-tkn': '  ', cookie: 'blaize_jwt=' } }, sources).token).toBeNull();
    expect(readToken({ headers: { 'X-Custom-Tkn': 'h', Authorization: 'Bearer b' } }, sources)).toEqual({
      token: 'h',
      source: 'header',
      conflict: true,
    });
    expect(readToken({ headers: { 'x-custom-tkn': ['first', 'second'] } }, sources).token).toBe('first');
  });

  it('uses parsed cookies when given instead of the Cookie header', () => {
    expect(
      readToken({ headers: { cookie: 'blaize_jwt=from-header' }, cookies: { blaize_jwt: 'parsed' } }, sources),
    ).toEqual({ token: 'parsed', source: 'cookie', conflict: false });
  });
});

describe('parseCookies', () => {
  it('parses junk without throwing', () => {
    expect(parseCookies('a=1; =x; b; blaize_jwt="q%zz"; c=%41; a=2')).toEqual({ a: '1', blaize_jwt: 'q%zz', c: 'A' });
    for (const junk of [undefined, '', ';;;', '=', '===', '\u0000=\u0000', 'a'.repeat(10_000), '__proto__=x'])
      expect(() => parseCookies(junk)).not.toThrow();
    expect(Object.getPrototypeOf(parseCookies('__proto__=x'))).toBeNull();
  });
});
