/**
 * An OpenFeature server provider over the local-evaluation client, so
 * `client.getStringValue('article', 'paywall', { token })` decides in-process. The evaluation context is read exactly
 * like the service's OFREP endpoints read it (`api/contract/ofrep.ts`): `token` (verified, never trusted unverified),
 * `targetingKey` (anonymous visitor id), other attributes fill the request context; values, variants, reasons and
 * metadata are the same as OFREP's. Claimflow decisions are strings: other flag types answer TYPE_MISMATCH.
 */
import {
  FlagNotFoundError,
  GeneralError,
  InvalidContextError,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  TargetingKeyMissingError,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { ofrepSuccess } from '../../api/contract/ofrep';
import { isClaimflowError } from '../../engine';
import { type ClaimflowClient, type ClaimflowClientOptions, createClaimflowClient } from './client';

export class ClaimflowProvider implements Provider {
  readonly metadata = { name: 'Claimflow local evaluation' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: ClaimflowClient;
  #unsubscribe: (() => void) | null = null;

  /** Takes a client, or the options to create one (closed with the provider then). */
  constructor(clientOrOptions: ClaimflowClient | ClaimflowClientOptions) {
    this.client = 'decide' in clientOrOptions ? clientOrOptions : createClaimflowClient(clientOrOptions);
  }

  async initialize(): Promise<void> {
    await this.client.ready();
    this.#unsubscribe = this.client.onChange((snapshot) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: snapshot.features.map((f) => f.id) }),
    );
  }

  async onClose(): Promise<void> {
    this.#unsubscribe?.();
    this.client.close();
  }

  async resolveStringEvaluation(
    flagKey: string,
    _defaultValue: string,
    context: Record<string, unknown>,
  ): Promise<ResolutionDetails<string>> {
    let answer: Awaited<ReturnType<ClaimflowClient['decide']>>;
    try {
      answer = await this.client.decideWithContext(flagKey, context);
    } catch (error) {
      if (!isClaimflowError(error)) throw new GeneralError((error as Error).message);
      if (error.code === 'CF_FEATURE_NOT_FOUND') throw new FlagNotFoundError(error.message);
      if (error.code === 'CF_REQUEST_INVALID' && error.location.field === 'visitorId')
        throw new TargetingKeyMissingError(error.message);
      if (error.code === 'CF_REQUEST_INVALID' || error.code.startsWith('CF_TOKEN_'))
        throw new InvalidContextError(error.message);
      throw new GeneralError(error.message);
    }
    const kinds = this.client.nodeKinds(flagKey);
    if (answer.decision === null || kinds === null) throw new GeneralError(`feature "${flagKey}" reached no outcome`);
    const out = ofrepSuccess(
      flagKey,
      { ...answer, decision: answer.decision, tokenStatus: answer.token.status },
      kinds,
    );
    return { value: out.value, variant: out.variant, reason: out.reason, flagMetadata: out.metadata };
  }

  async resolveBooleanEvaluation(): Promise<ResolutionDetails<boolean>> {
    throw new TypeMismatchError('Claimflow decisions are strings: use getStringValue');
  }

  async resolveNumberEvaluation(): Promise<ResolutionDetails<number>> {
    throw new TypeMismatchError('Claimflow decisions are strings: use getStringValue');
  }

  async resolveObjectEvaluation<T extends JsonValue>(): Promise<ResolutionDetails<T>> {
    throw new TypeMismatchError('Claimflow decisions are strings: use getStringValue (the payload is in flagMetadata)');
  }
}
