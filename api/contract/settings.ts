/** Admin routes of the node registry, the JWT settings and the recording settings. Pure zod. */
import { z } from 'zod';
import { RecordingSettingsSchema } from '../runtime/recording-settings';
import { route } from './common';
import {
  JwtSettingsBodySchema,
  JwtSettingsPatchSchema,
  JwtSettingsSavedSchema,
  RedactedJwtSettingsSchema,
} from './jwt-settings';

export const NodeTypeSchema = z
  .object({
    kind: z.string(),
    label: z.string(),
    description: z.string(),
    terminal: z.boolean().describe('outcomes: no branches, the decision is made here'),
    defaultData: z.unknown().describe('the data of a new node of this kind'),
    branches: z
      .array(z.string())
      .describe('the branches (edge handles) of a new node of this kind, e.g. yes/no; none for outcomes'),
  })
  .meta({ id: 'NodeType' });
export type NodeType = z.infer<typeof NodeTypeSchema>;

export const RecordingSettingsView = z
  .object({
    enabled: z.boolean(),
    sampleRate: z.number().describe('share of decisions recorded, 0..1'),
    redactClaims: z.array(z.string()).describe('claim names (dot paths) replaced by "[redacted]"'),
    maxRows: z.number().int().describe('rows kept per feature'),
  })
  .meta({ id: 'RecordingSettings' });

export const settingsRoutesContract = {
  nodeTypes: route({
    operationId: 'listNodeTypes',
    summary: 'The node registry: every kind with its label, default data and branches',
    tags: ['admin'],
    access: 'admin',
    ok: { 200: z.array(NodeTypeSchema) },
  }),
  getJwt: route({
    operationId: 'getJwtSettings',
    summary: 'JWT integration settings (an HMAC secret is never shown)',
    tags: ['settings'],
    access: 'admin',
    ok: { 200: RedactedJwtSettingsSchema },
  }),
  putJwt: route({
    operationId: 'putJwtSettings',
    summary: 'Replace the JWT integration settings (key required; omitted fields take their defaults)',
    tags: ['settings'],
    access: 'admin',
    body: JwtSettingsBodySchema,
    ok: { 200: JwtSettingsSavedSchema },
  }),
  patchJwt: route({
    operationId: 'patchJwtSettings',
    summary: 'Change some JWT settings (JSON merge patch, RFC 7396: null removes a field)',
    tags: ['settings'],
    access: 'admin',
    body: JwtSettingsPatchSchema,
    ok: { 200: JwtSettingsSavedSchema },
  }),
  getRecording: route({
    operationId: 'getRecordingSettings',
    summary: 'Decision log recording settings',
    tags: ['settings'],
    access: 'admin',
    ok: { 200: RecordingSettingsView },
  }),
  putRecording: route({
    operationId: 'putRecordingSettings',
    summary: 'Replace the recording settings (omitted fields take their defaults)',
    tags: ['settings'],
    access: 'admin',
    body: RecordingSettingsSchema,
    ok: { 200: RecordingSettingsView },
  }),
};
