import { describe, expect, it } from 'vitest';
import { parseCookies, readToken, TokenSourcesSchema } from '../../../api/auth';

const sources = TokenSourcesSchema.parse({ header: 'x-custom-tkn' });

describe('readToken', () => {
  it('takes the first non-empty source in precedence order and reports disagreement', () => {
    expect(readToken({ headers: { cookie: 'blaize_jwt=c' } }, sources)).toEqual({
      token: 'c',
      source: 'cookie',
      conflict: false,
    });
    expect(readToken({ headers: { authorization: 'bearer b', cookie: 'blaize_jwt=c' } }, sources)).toEqual({
      token: 'b',
      source: 'bearer',
      conflict: true,
    });
    expect(readToken({ headers: { 'x-custom-tkn': 'h', authorization: 'Bearer h' } }, sources)).toEqual({
      token: 'h',
      source: 'header',
      conflict: false,
    });
    const cookieFirst = TokenSourcesSchema.parse({ precedence: ['cookie', 'bearer'] });
    expect(readToken({ headers: { authorization: 'Bearer b', cookie: 'blaize_jwt=c' } }, cookieFirst).source).toBe(
      'cookie',
    );
    expect(readToken({ headers: { authorization: 'Basic abc' } }, sources)).toEqual({
      token: null,
      source: null,
      conflict: false,
    });
  });

  it('parses junk cookies without throwing', () => {
    expect(parseCookies('a=1; =x; b; blaize_jwt="q%zz"; c=%41')).toEqual({ a: '1', blaize_jwt: 'q%zz', c: 'A' });
  });
});
