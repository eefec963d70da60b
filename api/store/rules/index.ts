/**
 * The store-independent rules every storage adapter applies (catalogue integrity, trial meters, account identity).
 * The adapters read and write with their own SQL or Redis commands and call these for every decision.
 */

export { normalizeEmail } from './accounts';
export {
  checkCustomerEntitlements,
  checkEntitlementParent,
  checkGraphProducts,
  checkProductEntitlements,
  type EntitlementUsers,
  entitlementInUse,
  type ProductReference,
  type ProductUser,
  productInUse,
  productReferences,
  productUsers,
} from './catalogue';
export { type MeterState, meterPeek, meterVerdict, repeatContent } from './meters';
