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
import type { Feature, SiteKey, Store } from '../store/store';
import { DEFAULT_RECORDING, type RecordingSettings, RecordingSettingsSchema } from './recording-settings';

export interface Published {
  version: number;
  compiled: CompiledFeature;
}

export interface LiveFeature {
  feature: Feature;
  /** The version live in the default environment. */
  published: Published | null;
  /** The versions live in the other environments, by name (absent: none there). */
  environments: ReadonlyMap<string, Published>;
}

const NONE: ReadonlyMap<string, Published> = new Map();

/** The version of a feature live in an environment (undefined: the default one). */
export function publishedIn(live: LiveFeature, environment: string | undefined): Published | null {
  return environment === undefined ? live.published : (live.environments.get(environment) ?? null);
}

export class Runtime {
  settings: JwtSettings = DEFAULT_JWT_SETTINGS;
  verifier: TokenVerifier = createTokenVerifier(DEFAULT_JWT_SETTINGS);
  catalogue: CatalogueIndex = indexCatalogue([], []);
  productIds: string[] = [];
  recording: RecordingSettings = DEFAULT_RECORDING;
  readonly features = new Map<string, LiveFeature>();
  /** Active site keys by their key value: resolved in memory on every public request, reloaded on change. */
  siteKeys: ReadonlyMap<string, SiteKey> = new Map();
  /** Origins of every active site key (CORS preflights, which carry no key). */
  siteKeyOrigins: ReadonlySet<string> = new Set();
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
    await Promise.all([this.reloadSettings(), this.reloadCatalogue(), this.reloadSiteKeys()]);
    await this.reloadFeatures(true);
  }

  async reloadSiteKeys(): Promise<void> {
    const active = (await this.store.listSiteKeys()).filter((k) => k.revokedAt === null);
    this.siteKeys = new Map(active.map((k) => [k.key, k]));
    this.siteKeyOrigins = new Set(active.flatMap((k) => k.origins));
  }

  /** Subscribes to change events and starts the periodic safety check. */
  start(intervalMs: number): void {
    this.#unsubscribe = this.store.onChange((event) => {
      const reload = event.kind === 'siteKeys' ? this.reloadSiteKeys() : this.reloadFeature(event.featureId);
      void reload.catch((error) => this.log.warn({ err: error }, 'reload after change failed'));
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
        await this.reloadSiteKeys();
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
    const [published, elsewhere] = republish
      ? await Promise.all([this.store.listPublished(), this.store.listLive()])
      : [[], []];
    const byId = new Map(published.map((v) => [v.featureId, v]));
    const versionsOf = new Map<string, Map<number, unknown>>();
    if (elsewhere.length > 0) {
      // the compiled rules of versions live only in other environments (few: one per feature and environment)
      const wanted = new Set(elsewhere.map((r) => `${r.featureId}\u0000${r.version}`));
      for (const key of wanted) {
        const [featureId, version] = key.split('\u0000');
        const v = await this.store.getVersion(featureId, Number(version));
        if (!v) continue;
        let m = versionsOf.get(featureId);
        if (!m) versionsOf.set(featureId, (m = new Map()));
        m.set(v.version, v.compiled);
      }
    }
    for (const feature of features) {
      seen.add(feature.id);
      const current = this.features.get(feature.id);
      let live = current?.published ?? null;
      let environments = current?.environments ?? NONE;
      if (republish) {
        const v = byId.get(feature.id);
        live = v ? this.#prepare(feature.id, v.version, v.compiled, current?.published) : null;
        environments = this.#environments(
          feature.id,
          elsewhere.filter((r) => r.featureId === feature.id),
          (n) => versionsOf.get(feature.id)?.get(n),
          current,
        );
      }
      this.features.set(feature.id, { feature, published: live, environments });
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
    const [v, elsewhere] = await Promise.all([this.store.getPublished(featureId), this.store.listLive(featureId)]);
    const compiledOf = new Map<number, unknown>();
    for (const n of new Set(elsewhere.map((r) => r.version))) {
      const row = n === v?.version ? v : await this.store.getVersion(featureId, n);
      if (row) compiledOf.set(n, row.compiled);
    }
    const current = this.features.get(featureId);
    this.features.set(featureId, {
      feature,
      published: v ? this.#prepare(featureId, v.version, v.compiled, current?.published) : null,
      environments: this.#environments(featureId, elsewhere, (n) => compiledOf.get(n), current),
    });
  }

  #environments(
    featureId: string,
    rows: Array<{ environment: string; version: number }>,
    compiledOf: (version: number) => unknown,
    current: LiveFeature | undefined,
  ): ReadonlyMap<string, Published> {
    if (rows.length === 0) return NONE;
    const out = new Map<string, Published>();
    for (const r of rows) {
      const previous = current?.environments.get(r.environment) ?? null;
      const same = [previous, current?.published, ...(current?.environments.values() ?? [])].find(
        (p) => p?.version === r.version,
      );
      const prepared = same ?? this.#prepare(featureId, r.version, compiledOf(r.version), previous);
      if (prepared) out.set(r.environment, prepared);
    }
    return out;
  }

  #prepare(featureId: string, version: number, compiled: unknown, current: Published | null | undefined) {
    if (current?.version === version) return current;
    const parsed = CompiledFeatureSchema.safeParse(compiled);
    if (!parsed.success) {
      this.log.warn(
        { featureId, version },
        'stored compiled version has an unexpected shape; keeping the previous one',
      );
      return current ?? null;
    }
    prepareEvaluator(parsed.data);
    return { version, compiled: parsed.data };
  }
}
