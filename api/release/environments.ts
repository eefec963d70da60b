/**
 * The configured release environments (CLAIMFLOW_ENVIRONMENTS, default `staging,production`) and their approval
 * settings (stored under the `environments` setting, edited by admins). The default environment
 * (CLAIMFLOW_DEFAULT_ENVIRONMENT, default `production`) answers requests without a site key; its live version is the
 * store's `publishedVersion`, so sites and versions from before environments existed keep working. In the store,
 * the default environment is `undefined`; every other environment is its name.
 */
import { ClaimflowError } from '../../engine';
import { type EnvironmentSettings, EnvironmentSettingsSchema } from '../contract/release';
import type { AuditDraft, Store } from '../store/store';

export const ENVIRONMENTS_SETTING = 'environments';
const DEFAULT_SETTINGS: EnvironmentSettings = { requiresApproval: false, approvalsNeeded: 1 };

export class Environments {
  readonly names: readonly string[];

  constructor(
    names: readonly string[],
    readonly defaultName: string,
  ) {
    this.names = names.includes(defaultName) ? [...names] : [...names, defaultName];
  }

  /** The name, checked: CF_ENVIRONMENT_UNKNOWN naming `field` otherwise. */
  check(name: string, field: string): string {
    if (!this.names.includes(name))
      throw new ClaimflowError(
        'CF_ENVIRONMENT_UNKNOWN',
        `no environment "${name}" (environments: ${this.names.join(', ')})`,
        { field },
      );
    return name;
  }

  /** The store's key of an environment: undefined for the default one. */
  storeKey(name: string): string | undefined {
    return name === this.defaultName ? undefined : name;
  }

  async settings(store: Store): Promise<Record<string, EnvironmentSettings>> {
    const raw = (await store.getSetting(ENVIRONMENTS_SETTING)) as Record<string, unknown> | null;
    const out: Record<string, EnvironmentSettings> = {};
    for (const name of this.names) {
      const parsed = EnvironmentSettingsSchema.safeParse(raw?.[name] ?? {});
      out[name] = parsed.success ? parsed.data : DEFAULT_SETTINGS;
    }
    return out;
  }

  async settingsOf(store: Store, name: string): Promise<EnvironmentSettings> {
    return (await this.settings(store))[name] ?? DEFAULT_SETTINGS;
  }

  async putSettings(
    store: Store,
    name: string,
    patch: Partial<EnvironmentSettings>,
    audit: (before: EnvironmentSettings, after: EnvironmentSettings) => AuditDraft,
  ): Promise<EnvironmentSettings> {
    const all = (((await store.getSetting(ENVIRONMENTS_SETTING)) as Record<string, unknown> | null) ?? {}) as Record<
      string,
      unknown
    >;
    const before = (await this.settings(store))[name] ?? DEFAULT_SETTINGS;
    const after = { ...before, ...patch };
    await store.putSetting(ENVIRONMENTS_SETTING, { ...all, [name]: after }, audit(before, after));
    return after;
  }
}
