/**
 * Admin: JWT integration settings (secrets never echoed), recording settings, node types.
 * `PUT /settings/jwt` replaces every field (omitted ones take their defaults) and needs `key`: verification is only
 * switched off by an explicit `{"kind":"none"}`. `PATCH /settings/jwt` is a JSON merge patch (RFC 7396) of the stored
 * settings. Both answer `{ settings, changed, keySet, tokenCases }`: the redacted settings, each changed field (a
 * secret is named, never shown), the state of the key set (for a JWKS URL, the result of fetching it once, which
 * never refuses) and the stored suite cases whose token verified before the change and no longer does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { apply as applyMergePatch } from 'json-merge-patch';
import { ClaimflowError, NODE_KINDS, NODE_REGISTRY } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import { type JwtSettings, JwtSettingsSaveSchema, redactJwtSettings } from '../../auth';
import { settingsChanges } from '../../auth/lib/settings-changes';
import { settingsRoutesContract } from '../../contract/settings';
import { parse } from '../../lib/http-errors';
import { handlerValidates } from '../../plugins/contract';
import { routePlugin } from '../../plugins/define-plugin';
import { tokenCasesNoLongerVerifying } from '../../replay/token-check';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (field: string, message: string) =>
  new ClaimflowError('CF_SETTINGS_INVALID', `${field}: ${message}`, { field });

async function settingsRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = settingsRoutesContract;
  app.get('/node-types', { config: { role: 'viewer' }, schema: c.nodeTypes }, async () =>
    NODE_KINDS.map((kind) => {
      const def = NODE_REGISTRY[kind];
      const data = def.defaultData();
      return {
        kind,
        label: def.label,
        description: def.description,
        terminal: def.terminal,
        defaultData: data,
        // from the default data as it is: a new node's fields are still empty, so it would not pass its schema
        branches: def.terminal ? [] : [...def.branches(data as never)],
      };
    }),
  );

  app.get('/settings/jwt', { config: { role: 'viewer' }, schema: c.getJwt }, async () =>
    redactJwtSettings(ctx.runtime.settings),
  );

  /** The stored settings, fresh from the store (another instance may have changed them). */
  const current = async (): Promise<JwtSettings> => {
    await ctx.runtime.reloadSettings();
    return ctx.runtime.settings;
  };

  /** `{"kind":"secret","keep":true}` stands for the stored secret, so a form can save without re-typing it. */
  const withKeptSecret = (key: unknown, stored: JwtSettings): unknown => {
    if (!isObject(key) || key.kind !== 'secret' || key.keep !== true) return key;
    if (stored.key.kind !== 'secret') throw invalid('body.key.keep', 'there is no stored secret to keep');
    return { kind: 'secret', secret: stored.key.secret };
  };

  const save = async (request: FastifyRequest, before: JwtSettings, next: JwtSettings) => {
    await ctx.store.putSetting(
      'jwt',
      next,
      auditOf(request, 'settings.jwt.update', 'settings:jwt', { before, after: next }),
    );
    await ctx.runtime.reloadSettings();
    const after = ctx.runtime.settings;
    const keySet =
      after.key.kind === 'jwksUrl' ? await ctx.runtime.verifier.prefetchKeySet() : ctx.runtime.verifier.keySet();
    const changed = settingsChanges(before, after);
    // Stored suite cases with a token that verified before this change and no longer do (each at its own clock).
    const tokenCases =
      changed.length === 0
        ? { checked: 0, failing: [] }
        : await tokenCasesNoLongerVerifying(ctx.store, after, { previous: before }).catch(() => null);
    return { settings: redactJwtSettings(after), changed, keySet, tokenCases };
  };

  app.put(
    '/settings/jwt',
    // the handler validates (a kept secret, then the checks that need node:crypto), answering CF_SETTINGS_INVALID
    { config: { role: 'admin' }, schema: c.putJwt, validatorCompiler: handlerValidates },
    async (request) => {
      const body = request.body;
      if (!isObject(body)) throw invalid('body', 'the JWT settings are a JSON object');
      if (body.key === undefined || body.key === null)
        throw invalid(
          'body.key',
          'required: PUT replaces every setting; give {"kind":"none"} to switch verification off, or use PATCH to change some fields',
        );
      const before = await current();
      const next = parse(
        JwtSettingsSaveSchema,
        { ...body, key: withKeptSecret(body.key, before) },
        'body',
        'CF_SETTINGS_INVALID',
      );
      return save(request, before, next);
    },
  );

  await app.register(async (scope) => {
    // RFC 7396's media type; plain application/json is accepted too.
    scope.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.jsonBodyParser);
    scope
      .withTypeProvider<ZodTypeProvider>()
      .patch(
        '/settings/jwt',
        { config: { role: 'admin' }, schema: c.patchJwt, validatorCompiler: handlerValidates },
        async (request) => {
          const patch = request.body;
          if (!isObject(patch)) throw invalid('body', 'a merge patch of the JWT settings is a JSON object');
          const before = await current();
          const merged = applyMergePatch(structuredClone(before), {
            ...patch,
            ...(patch.key === undefined ? {} : { key: withKeptSecret(patch.key, before) }),
          });
          const next = parse(JwtSettingsSaveSchema, merged, 'body', 'CF_SETTINGS_INVALID');
          const explicitNone = isObject(patch.key) && patch.key.kind === 'none';
          if (next.key.kind === 'none' && before.key.kind !== 'none' && !explicitNone)
            throw invalid(
              'body.key',
              'this patch would switch verification off; send {"key":{"kind":"none"}} to do that on purpose',
            );
          return save(request, before, next);
        },
      );
  });

  app.get(
    '/settings/recording',
    { config: { role: 'viewer' }, schema: c.getRecording },
    async () => ctx.runtime.recording,
  );

  app.put(
    '/settings/recording',
    { config: { role: 'admin', invalidCode: 'CF_SETTINGS_INVALID' }, schema: c.putRecording },
    async (request) => {
      const settings = request.body;
      await ctx.store.putSetting(
        'recording',
        settings,
        auditOf(request, 'settings.recording.update', 'settings:recording', {
          before: ctx.runtime.recording,
          after: settings,
        }),
      );
      await ctx.runtime.reloadSettings();
      return ctx.runtime.recording;
    },
  );
}

/** Node types, JWT settings and recording settings. */
export const settingsRoutes = routePlugin('claimflow-settings-routes', settingsRoutesPlugin);
