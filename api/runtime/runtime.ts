/**
 * The in-memory view a decision needs, so the hot path never waits on storage: JWT settings and their verifier,
 * the catalogue index, every feature with its published compiled version (prepared once), recording settings.
 * Kept fresh by the store's change events (other instances: PostgreSQL LISTEN/NOTIFY) and, as a safety net,
 * a periodic check of the store's change sequence.
 */
import {
  type CatalogueIndex,
  type CompiledFeature,
  CompiledFeatureSchema,
  indexCatalogue,
  prepareEvaluator,
} from '../../engine';
import {
  createTokenVerifier,
  DEFAULT_JWT_SETTINGS,
  type JwtSettings,
  JwtSettingsSchema,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '../auth';
import type { Feature, Store } from '../store/store';
import { DEFAULT_RECORDING, type RecordingSettings, RecordingSettingsSchema } from './recording-settings';

export interface LiveFeature {
  feature: Feature;
  published: { version: number; compiled: CompiledFeature } | null;
}

export class Runtime {
  settings: JwtSettings = DEFAULT_JWT_SETTINGS;
  verifier: TokenVerifier = createTokenVerifier(DEFAULT_JWT_SETTINGS);
  catalogue: CatalogueIndex = indexCatalogue([], []);
  productIds: string[] = [];
  recording: RecordingSettings = DEFAULT_RECORDING;
  readonly features = new Map<string, LiveFeature>();
  /** Options of every verifier built from the settings (e.g. the JWKS fetch metrics); set before `load()`. */
  verifierOptions: TokenVerifierOptions = {};
  #seq = -1;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(
    readonly store: Store,
    private readonly log: { warn(obj: unknown, msg?: string): void } = console,
  ) {}

  async load(): Promise<void> {
    await Promise.all([this.reloadSettings(), this.reloadCatalogue()]);
    await this.reloadFeatures(true);
  }

  /** Subscribes to change events and starts the periodic safety check. */
  start(intervalMs: number): void {
    this.#unsubscribe = this.store.onChange((event) => {
      void this.reloadFeature(event.featureId).catch((error) =>
        this.log.warn({ err: error }, 'reload after change failed'),
      );
    });
    this.#timer = setInterval(() => void this.refresh(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.verifier.close();
  }

  /** One periodic check: settings, catalogue and features; published versions only when the change sequence moved. */
  refresh(): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    this.#refreshing = (async () => {
      try {
        await Promise.all([this.reloadSettings(), this.reloadCatalogue()]);
        await this.reloadFeatures(false);
      } catch (error) {
        this.log.warn({ err: error }, 'periodic refresh failed; serving the versions in memory');
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  async reloadSettings(): Promise<void> {
    const raw = await this.store.getSetting('jwt');
    const parsed = raw === null ? null : JwtSettingsSchema.safeParse(raw);
    const next = parsed?.success ? parsed.data : DEFAULT_JWT_SETTINGS;
    if (JSON.stringify(next) !== JSON.stringify(this.settings)) {
      const old = this.verifier;
      this.settings = next;
      this.verifier = createTokenVerifier(next, this.verifierOptions);
      old.close();
    }
    const rec = await this.store.getSetting('recording');
    const recParsed = rec === null ? null : RecordingSettingsSchema.safeParse(rec);
    this.recording = recParsed?.success ? recParsed.data : DEFAULT_RECORDING;
  }

  async reloadCatalogue(): Promise<void> {
    const [products, entitlements] = await Promise.all([this.store.listProducts(), this.store.listEntitlements()]);
    this.catalogue = indexCatalogue(products, entitlements);
    this.productIds = products.map((p) => p.id);
  }

  async reloadFeatures(force: boolean): Promise<void> {
    const seq = await this.store.getChangeSeq();
    const features = await this.store.listFeatures();
    const seen = new Set<string>();
    const republish = force || seq !== this.#seq;
    const published = republish ? await this.store.listPublished() : [];
    const byId = new Map(published.map((v) => [v.featureId, v]));
    for (const feature of features) {
      seen.add(feature.id);
      const current = this.features.get(feature.id);
      let live = current?.published ?? null;
      if (republish) {
        const v = byId.get(feature.id);
        live = v ? this.#prepare(feature.id, v.version, v.compiled, current) : null;
      }
      this.features.set(feature.id, { feature, published: live });
    }
    for (const id of [...this.features.keys()]) if (!seen.has(id)) this.features.delete(id);
    this.#seq = seq;
  }

  async reloadFeature(featureId: string): Promise<void> {
    const feature = await this.store.getFeature(featureId);
    if (!feature) {
      this.features.delete(featureId);
      return;
    }
    const v = await this.store.getPublished(featureId);
    const current = this.features.get(featureId);
    this.features.set(featureId, {
      feature,
      published: v ? this.#prepare(featureId, v.version, v.compiled, current) : null,
    });
  }

  #prepare(featureId: string, version: number, compiled: unknown, current: LiveFeature | undefined) {
    if (current?.published?.version === version) return current.published;
    const parsed = CompiledFeatureSchema.safeParse(compiled);
    if (!parsed.success) {
      this.log.warn(
        { featureId, version },
        'stored compiled version has an unexpected shape; keeping the previous one',
      );
      return current?.published ?? null;
    }
    prepareEvaluator(parsed.data);
    return { version, compiled: parsed.data };
  }
}
