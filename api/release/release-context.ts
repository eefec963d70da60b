/** What the release-flow routes are given besides the app context: their store, the event emitter, the URL rule. */
import type { EventEmitter } from '../events/emitter';
import type { ReleaseStore } from '../store/release/release-store';
import type { SelfAddress } from '../webhooks/url-guard';

export interface ReleaseContext {
  release: ReleaseStore;
  events: EventEmitter;
  self: SelfAddress;
}
