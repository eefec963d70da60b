/**
 * The admin API (`/admin/v1`): one encapsulated plugin whose hooks (the failure limit, then authentication and the
 * route's role, both from api/plugins/admin-access.ts) guard every admin route plugin registered inside it and nothing
 * outside it. Each admin route is recorded with the role it declares (`app.claimflow.adminRoutes`).
 */
import { createOidc, type OidcOptions } from '../../accounts/oidc';
import { PLUGIN, routePlugin } from '../../plugins/define-plugin';
import { type AccountOptions, accountRoutes } from './accounts';
import { catalogueRoutes } from './catalogue';
import { changeRequestRoutes } from './change-requests';
import { environmentRoutes } from './environments';
import { featureRoutes } from './features';
import { oidcRoutes } from './oidc';
import { replayRoutes } from './replay';
import { scheduleRoutes } from './schedules';
import { settingsRoutes } from './settings';
import { siteKeyRoutes } from './site-keys';
import { webhookRoutes } from './webhooks';

export interface AdminApiOptions {
  /** Sessions, cookies and sign-in limits of the people routes. */
  accounts?: AccountOptions;
  /** Single sign-on with an OpenID provider (off when absent). */
  oidc?: OidcOptions;
  /** The URL browsers reach the service at (for the single sign-on redirect URI); default: from the request. */
  publicUrl?: string;
}

export const adminApi = routePlugin<AdminApiOptions>(
  'claimflow-admin-api',
  async (admin, options) => {
    const { adminRoutes } = admin.claimflow;
    admin.addHook('onRoute', (route) => {
      for (const method of [route.method].flat())
        if (method !== 'HEAD')
          adminRoutes.push({
            method,
            url: route.url,
            role: route.config?.role ?? null,
            public: route.config?.public === true,
          });
    });
    admin.addHook('onRequest', admin.adminAuthLimit);
    admin.addHook('onRequest', admin.authenticateAdmin);
    const accounts = options.accounts ?? {};
    const oidc = options.oidc ? createOidc(options.oidc) : null;
    await admin.register(accountRoutes, { ...accounts, oidcLabel: oidc?.label ?? null });
    await admin.register(oidcRoutes, { ...accounts, oidc, publicUrl: options.publicUrl });
    await admin.register(settingsRoutes);
    await admin.register(catalogueRoutes);
    await admin.register(featureRoutes);
    await admin.register(replayRoutes);
    await admin.register(webhookRoutes);
    await admin.register(scheduleRoutes);
    await admin.register(environmentRoutes);
    await admin.register(siteKeyRoutes);
    await admin.register(changeRequestRoutes);
  },
  {
    plugins: [PLUGIN.context, PLUGIN.adminAccess],
    decorators: ['claimflow', 'adminAuthLimit', 'authenticateAdmin'],
  },
);
