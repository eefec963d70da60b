/** @claimflow/sdk: local evaluation of Claimflow features from the service's snapshot (see README.md). */

export type { ClaimflowClientOptions, DecideInput, LocalDecision } from './client';
export { ClaimflowClient, createClaimflowClient } from './client';
