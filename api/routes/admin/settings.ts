/** Admin: JWT integration settings (secrets never echoed), recording settings, node types. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ClaimflowError, NODE_KINDS, NODE_REGISTRY } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import { JwtSettingsSchema, redactJwtSettings } from '../../auth';
import { parse } from '../../lib/http-errors';
import { RecordingSettingsSchema } from '../../runtime/recording-settings';

export async function settingsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/node-types',
    { config: { role: 'viewer' }, schema: { tags: ['admin'], summary: 'The node registry' } },
    async () =>
      NODE_KINDS.map((kind) => {
        const def = NODE_REGISTRY[kind];
        const data = def.defaultData();
        const parsed = (def.dataSchema as z.ZodType).safeParse(data);
        return {
          kind,
          label: def.label,
          description: def.description,
          terminal: def.terminal,
          defaultData: data,
          branches: parsed.success ? def.branches(parsed.data as never) : null,
        };
      }),
  );

  app.get(
    '/settings/jwt',
    { config: { role: 'viewer' }, schema: { tags: ['settings'], summary: 'JWT integration settings' } },
    async () => redactJwtSettings(ctx.runtime.settings),
  );

  app.put(
    '/settings/jwt',
    { config: { role: 'admin' }, schema: { tags: ['settings'], summary: 'Replace the JWT integration settings' } },
    async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const key = body.key as { kind?: string; keep?: boolean } | undefined;
      let input: unknown = body;
      if (key?.kind === 'secret' && key.keep === true) {
        const current = ctx.runtime.settings.key;
        if (current.kind !== 'secret')
          throw new ClaimflowError('CF_SETTINGS_INVALID', 'key.keep: there is no stored secret to keep', {
            field: 'key.secret',
          });
        input = { ...body, key: { kind: 'secret', secret: current.secret } };
      }
      const settings = parse(JwtSettingsSchema, input, 'body', 'CF_SETTINGS_INVALID');
      await ctx.store.putSetting(
        'jwt',
        settings,
        auditOf(request, 'settings.jwt.update', 'settings:jwt', { before: ctx.runtime.settings, after: settings }),
      );
      await ctx.runtime.reloadSettings();
      return redactJwtSettings(ctx.runtime.settings);
    },
  );

  app.get(
    '/settings/recording',
    { config: { role: 'viewer' }, schema: { tags: ['settings'], summary: 'Decision log recording settings' } },
    async () => ctx.runtime.recording,
  );

  app.put(
    '/settings/recording',
    { config: { role: 'admin' }, schema: { tags: ['settings'], summary: 'Replace the recording settings' } },
    async (request) => {
      const settings = parse(RecordingSettingsSchema, request.body ?? {}, 'body', 'CF_SETTINGS_INVALID');
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
