import { describe, expect, it } from 'vitest';
import { decisionFacts, indexCatalogue, userStateFor, visitorFromClaims, visitorKey } from '../../engine';

const index = indexCatalogue(
  [
    { id: 'gold', claimValues: ['gold', 'GOLD-2026'], entitlementIds: ['premium'] },
    { id: 'silver', claimValues: ['silver'], entitlementIds: ['news'] },
  ],
  [
    { id: 'all', parentId: null },
    { id: 'premium', parentId: 'all' },
    { id: 'news', parentId: 'premium' },
    { id: 'sport', parentId: 'premium' },
    { id: 'sport-live', parentId: 'sport' },
  ],
);
const settings = { productsClaim: 'prodsub', foreignUserIdProperty: 'sub' };

describe('visitor facts', () => {
  it('no verified token: anonymous with nothing', () => {
    const v = visitorFromClaims(null, settings, index);
    expect(v).toEqual({
      verified: false,
      userId: null,
      userIdProblem: null,
      products: [],
      entitlements: [],
      claims: {},
    });
    expect(userStateFor(v, ['premium'])).toBe('anonymous');
    expect(visitorKey(v, 'anon:cookie-1')).toBe('anon:cookie-1');
  });

  it('products claim as a string or an array; entitlements with all descendants', () => {
    const one = visitorFromClaims({ sub: 'u1', prodsub: 'GOLD-2026' }, settings, index);
    expect(one.products).toEqual(['gold']);
    expect(one.entitlements).toEqual(['news', 'premium', 'sport', 'sport-live']);
    const many = visitorFromClaims({ sub: 'u1', prodsub: ['silver', 'unknown', 7] }, settings, index);
    expect(many.products).toEqual(['silver']);
    expect(many.entitlements).toEqual(['news']);
    expect(visitorFromClaims({ sub: 'u1', prodsub: { gold: true } }, settings, index).products).toEqual([]);
  });

  it('user mapping: the foreign user id makes the visitor registered; entitlements make a customer', () => {
    const registered = visitorFromClaims({ sub: 'u1' }, settings, index);
    expect(userStateFor(registered, ['premium'])).toBe('registered');
    const customer = visitorFromClaims({ sub: 'u1', prodsub: 'silver' }, settings, index);
    expect(userStateFor(customer, ['news'])).toBe('customer');
    expect(userStateFor(customer, ['sport'])).toBe('registered');
    expect(
      visitorFromClaims({ user: { id: 42 } }, { ...settings, foreignUserIdProperty: 'user.id' }, index).userId,
    ).toBe('42');
  });

  it('a verified token without a usable user id is never anonymous; its key falls back to the cookie', () => {
    const shapes: Array<[string, Record<string, unknown>, string]> = [
      ['missing', {}, 'missing'],
      ['null', { sub: null }, 'missing'],
      ['empty', { sub: '' }, 'empty'],
      ['object', { sub: { id: 'u1' } }, 'object'],
      ['array', { sub: ['u1'] }, 'array'],
      ['boolean', { sub: true }, 'boolean'],
    ];
    for (const [label, claims, problem] of shapes) {
      const gold = visitorFromClaims({ ...claims, prodsub: 'gold' }, settings, index);
      expect(gold, label).toMatchObject({ verified: true, userId: null, userIdProblem: problem, products: ['gold'] });
      expect(userStateFor(gold, ['premium']), label).toBe('customer');
      expect(visitorKey(gold, 'anon:cookie-1'), label).toBe('anon:cookie-1');
      const plain = visitorFromClaims(claims, settings, index);
      expect(userStateFor(plain, ['premium']), label).toBe('registered');
    }
    const ok = visitorFromClaims({ sub: 'u1' }, settings, index);
    expect(ok.userIdProblem).toBeNull();
    expect(visitorKey(ok, 'anon:cookie-1')).toBe('u1');
    expect(visitorKey(visitorFromClaims({ sub: 7 }, settings, index), 'anon:c')).toBe('7');
  });

  it('assembles facts with the token status in the request', () => {
    const visitor = visitorFromClaims({ sub: 'u1', state: 'Alabama' }, settings, index);
    const f = decisionFacts({
      visitor,
      customerEntitlements: [],
      request: { device: 'mobile' },
      tokenStatus: 'valid',
      now: 5,
    });
    expect(f).toEqual({
      userState: 'registered',
      products: [],
      entitlements: [],
      claims: { sub: 'u1', state: 'Alabama' },
      request: { device: 'mobile', token: { status: 'valid' } },
      now: 5,
      buckets: {},
      trials: {},
    });
  });
});
