/**
 * How the service is wired: route plugins get their dependencies from decorators and declare them, so one registered
 * without what it needs fails at registration naming the missing piece; the shared context carries no credential.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { AppContext } from '../../api/app-context';
import { adminApi } from '../../api/routes/admin/admin-api';
import { featureRoutes } from '../../api/routes/admin/features';
import { decisionRoutes } from '../../api/routes/public/decisions';
import { ADMIN_KEY, testApp } from './helpers';

describe('route plugins declare what they need', () => {
  it.each([
    ['decisions', decisionRoutes, 'claimflow-decision-routes'],
    ['features', featureRoutes, 'claimflow-feature-routes'],
    ['admin API', adminApi, 'claimflow-admin-api'],
  ])('the %s plugin without the context fails at registration, naming both', async (_name, plugin, pluginName) => {
    const app = Fastify();
    app.register(plugin);
    const error = await app.ready().then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    expect(error?.code).toBe('FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE');
    expect(error?.message).toContain("'claimflow'"); // the decorator the context plugin provides
    expect(error?.message).toContain(`'${pluginName}'`);
    await app.close();
  });
});

describe('the shared context', () => {
  let ctx: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    ctx = await testApp();
  });
  afterAll(async () => ctx?.close());

  it('holds no admin key: the admin side keeps it and answers preview authorization itself', () => {
    expectTypeOf<AppContext>().not.toHaveProperty('adminKey');
    const shared = ctx.app.claimflow as unknown as Record<string, unknown>;
    expect(Object.keys(shared)).not.toContain('adminKey');
    expect(Object.values(shared)).not.toContain(ADMIN_KEY);
    expect(typeof ctx.app.authorizePreview).toBe('function');
  });
});
