/** Settings of the opt-in, sampled decision log (QA impact analysis and replay cases). */
import { z } from 'zod';

export const RecordingSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** Share of decisions recorded, 0..1. */
  sampleRate: z.number().min(0).max(1).default(0.01),
  /** Claim names (dot paths) replaced by "[redacted]" before anything is written. */
  redactClaims: z
    .array(z.string().min(1).max(256))
    .max(200)
    .default(['email', 'name', 'given_name', 'family_name', 'phone_number']),
  /** Rows kept per feature; older ones are trimmed. */
  maxRows: z.number().int().min(1).max(1_000_000).default(10_000),
});

export type RecordingSettings = z.infer<typeof RecordingSettingsSchema>;
export const DEFAULT_RECORDING: RecordingSettings = RecordingSettingsSchema.parse({});
