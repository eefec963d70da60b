/**
 * The one error catalogue of Claimflow. Every error any layer reports carries one of these codes.
 * Codes are stable: a retired code is moved to RETIRED_CODES and never reused.
 * `status` is the HTTP status the API answers with; `doc` is the one-line meaning shown in docs/ERRORS.md.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly doc: string;
}

export const ERRORS = {
  // ---- graph structure (validator) ----
  CF_GRAPH_INVALID: {
    status: 422,
    doc: 'The graph is not in the serialized React Flow shape (nodes and edges arrays).',
  },
  CF_GRAPH_TOO_LARGE: { status: 413, doc: 'The graph exceeds the size bounds (nodes, edges, or decision paths).' },
  CF_GRAPH_TOO_MANY_PATHS: { status: 422, doc: 'The graph has more start-to-outcome paths than the compiler accepts.' },
  CF_GRAPH_NO_START: { status: 422, doc: 'The graph has no start node.' },
  CF_GRAPH_MULTIPLE_STARTS: { status: 422, doc: 'The graph has more than one start node.' },
  CF_GRAPH_CYCLE: { status: 422, doc: 'The graph contains a cycle; rules must be acyclic.' },
  CF_NODE_DUPLICATE_ID: { status: 422, doc: 'Two nodes share one id.' },
  CF_NODE_UNKNOWN_TYPE: { status: 422, doc: 'A node has a type that is not in the node registry.' },
  CF_NODE_DATA_INVALID: { status: 422, doc: "A node's data does not match its type's schema (the field is named)." },
  CF_NODE_UNREACHABLE: { status: 422, doc: 'A node cannot be reached from the start node.' },
  CF_BRANCH_UNCONNECTED: {
    status: 422,
    doc: 'A branch of a node has no edge (allowed in drafts, refused at publish).',
  },
  CF_BRANCH_MULTIPLE_EDGES: { status: 422, doc: 'Two or more edges leave the same branch of a node.' },
  CF_EDGE_DUPLICATE_ID: { status: 422, doc: 'Two edges share one id.' },
  CF_EDGE_MISSING_SOURCE: { status: 422, doc: 'An edge leaves a node that does not exist.' },
  CF_EDGE_MISSING_TARGET: { status: 422, doc: 'An edge points to a node that does not exist.' },
  CF_EDGE_UNKNOWN_HANDLE: {
    status: 422,
    doc: "An edge leaves by a handle that is not one of its node type's branches.",
  },
  CF_EDGE_INTO_START: { status: 422, doc: 'An edge points into the start node.' },
  CF_OUTCOME_HAS_OUTGOING: { status: 422, doc: 'An outcome node has outgoing edges; outcomes are terminal.' },
  CF_PRODUCT_UNKNOWN: { status: 422, doc: 'A product node names a product id that is not in the catalogue.' },
  CF_GRAPH_NOT_VALID: { status: 422, doc: 'The graph has validation errors and cannot be compiled or published.' },

  // ---- tokens (verification of visitor JWTs) ----
  CF_TOKEN_MISSING: { status: 401, doc: 'No token was found in the configured sources.' },
  CF_TOKEN_TOO_LARGE: { status: 401, doc: 'The token is larger than 8 KiB and was refused before parsing.' },
  CF_TOKEN_MALFORMED: { status: 401, doc: 'The token is not a well-formed compact JWS.' },
  CF_TOKEN_ALG_NOT_ALLOWED: { status: 401, doc: "The token's alg header is not in the allowed algorithms." },
  CF_TOKEN_SIGNATURE_INVALID: { status: 401, doc: 'The token signature does not verify with the configured key.' },
  CF_TOKEN_KEY_NOT_FOUND: { status: 401, doc: 'No configured key matches the token (kid/alg).' },
  CF_TOKEN_JWKS_UNAVAILABLE: {
    status: 401,
    doc: 'The JWKS keys endpoint could not be fetched or was invalid; fails closed.',
  },
  CF_TOKEN_EXPIRED: { status: 401, doc: 'The token exp is in the past (beyond the clock tolerance).' },
  CF_TOKEN_NOT_YET_VALID: { status: 401, doc: 'The token nbf is in the future (beyond the clock tolerance).' },
  CF_TOKEN_ISSUER_INVALID: { status: 401, doc: 'The token iss does not match the configured issuer.' },
  CF_TOKEN_AUDIENCE_INVALID: { status: 401, doc: 'The token aud does not match the configured audience.' },
  CF_TOKEN_CLAIM_INVALID: {
    status: 401,
    doc: 'A registered claim is missing or malformed (e.g. exp missing or not a number).',
  },
  CF_TOKEN_CRIT_UNSUPPORTED: { status: 401, doc: 'The token header names a crit extension that is not supported.' },
  CF_TOKEN_NOT_CONFIGURED: { status: 401, doc: 'JWT verification is not configured, so no token can be trusted.' },

  // ---- API ----
  CF_AUTH_REQUIRED: { status: 401, doc: 'The admin API needs the admin key.' },
  CF_AUTH_INVALID: { status: 401, doc: 'The admin key given is wrong.' },
  CF_REQUEST_INVALID: {
    status: 400,
    doc: 'The request body, query or params do not match the schema (the field is named).',
  },
  CF_BODY_TOO_LARGE: { status: 413, doc: 'The request body is larger than the limit.' },
  CF_NOT_FOUND: { status: 404, doc: 'The route does not exist.' },
  CF_FEATURE_NOT_FOUND: { status: 404, doc: 'No feature has this id.' },
  CF_FEATURE_EXISTS: { status: 409, doc: 'A feature with this id already exists.' },
  CF_FEATURE_NOT_PUBLISHED: { status: 409, doc: 'The feature has no published version yet.' },
  CF_VERSION_NOT_FOUND: { status: 404, doc: 'The feature has no version with this number.' },
  CF_PRODUCT_NOT_FOUND: { status: 404, doc: 'No catalogue product has this id.' },
  CF_ENTITLEMENT_NOT_FOUND: { status: 404, doc: 'No entitlement has this id.' },
  CF_ENTITLEMENT_CYCLE: { status: 422, doc: 'The entitlement parent would create a cycle in the entitlement tree.' },
  CF_ENTITLEMENT_IN_USE: {
    status: 409,
    doc: 'The entitlement is a parent, granted by a product or named by a feature, and cannot be deleted (users listed).',
  },
  CF_SETTINGS_INVALID: {
    status: 422,
    doc: 'The JWT settings are invalid (e.g. an HMAC secret shorter than 32 bytes).',
  },
  CF_CONFIG_INVALID: {
    status: 500,
    doc: 'The service configuration (environment or file) is invalid; the service refuses to start.',
  },
  CF_STORE_UNAVAILABLE: { status: 503, doc: 'The storage backend cannot be reached.' },
  CF_INTERNAL: { status: 500, doc: 'An unexpected internal error; it is logged with a request id.' },

  // ---- replay and suites ----
  CF_SUITE_INVALID: { status: 422, doc: 'A replay suite file or body is invalid (the case and field are named).' },
  CF_SUITE_NOT_FOUND: { status: 404, doc: 'No replay suite has this id.' },
  CF_SUITE_FAILED: { status: 409, doc: "Publishing was refused because the feature's suite has failing cases." },
  CF_PREVIEW_FORBIDDEN: { status: 403, doc: 'A preview header was sent without a valid admin key.' },

  // ---- people: accounts, sessions, roles, API tokens, single sign-on ----
  CF_FORBIDDEN: { status: 403, doc: "The caller's role does not allow this route; the message names the role needed." },
  CF_CSRF_INVALID: {
    status: 403,
    doc: 'A state-changing request authorized by a session cookie came without a valid CSRF token (x-csrf-token).',
  },
  CF_SIGNIN_FAILED: { status: 401, doc: 'The email or password is wrong (the message never says which).' },
  CF_SIGNIN_RATE_LIMITED: {
    status: 429,
    doc: 'Too many failed sign-ins for this account or from this address; retry after the Retry-After seconds.',
  },
  CF_SESSION_INVALID: { status: 401, doc: 'The session cookie is unknown, expired or signed out.' },
  CF_USER_NOT_FOUND: { status: 404, doc: 'No user has this id.' },
  CF_USER_EXISTS: { status: 409, doc: 'A user with this email (or single sign-on subject) already exists.' },
  CF_API_TOKEN_INVALID: { status: 401, doc: 'The Bearer API token is unknown, revoked or expired.' },
  CF_API_TOKEN_NOT_FOUND: { status: 404, doc: 'No API token has this id (or it is already revoked).' },
  CF_OIDC_NOT_CONFIGURED: { status: 404, doc: 'Single sign-on is not configured (CLAIMFLOW_OIDC_ISSUER).' },
  CF_OIDC_FAILED: {
    status: 401,
    doc: 'The OpenID Connect sign-in failed: state, nonce, PKCE, signature or expiry of the ID token did not hold.',
  },

  // ---- release flow: webhooks and scheduled changes ----
  CF_WEBHOOK_NOT_FOUND: { status: 404, doc: 'No webhook has this id.' },
  CF_WEBHOOK_URL_REFUSED: {
    status: 422,
    doc: "The webhook URL is not http(s) or resolves to this service's own listen address and port (never called).",
  },
  CF_SCHEDULE_NOT_FOUND: { status: 404, doc: 'No scheduled change has this id.' },
  CF_SCHEDULE_NOT_PENDING: {
    status: 409,
    doc: 'The scheduled change already ran, is running or was cancelled; only a pending one can be cancelled.',
  },
  CF_SCHEDULE_TIME_INVALID: {
    status: 422,
    doc: 'The scheduled time is not a valid date-time in the given IANA time zone, or is not in the future.',
  },

  // ---- data integrity (catalogue references) ----
  CF_PRODUCT_IN_USE: {
    status: 409,
    doc: 'The product is used by a draft or a published version and cannot be deleted (the users are listed).',
  },
  CF_ENTITLEMENT_UNKNOWN: {
    status: 422,
    doc: "A feature's customerEntitlements names an entitlement that does not exist (the field is named).",
  },

  // ---- HTTP boundary (framework and transport errors in the one error shape) ----
  CF_JSON_TOO_DEEP: {
    status: 422,
    doc: 'The JSON body nests arrays or objects deeper than the limit; refused before any schema runs (field named).',
  },
  CF_MEDIA_TYPE_UNSUPPORTED: { status: 415, doc: 'The request body has a content type other than application/json.' },
  CF_METHOD_NOT_ALLOWED: {
    status: 405,
    doc: 'The path exists but not with this method; the Allow header lists the methods it has.',
  },
  CF_URL_INVALID: { status: 400, doc: 'The request path is not valid (e.g. bad percent-encoding).' },
  CF_PARAM_TOO_LONG: { status: 414, doc: 'A path parameter is longer than the limit (100 characters).' },
  CF_HEADERS_TOO_LARGE: { status: 431, doc: 'The request headers are larger than the limit (16 KiB).' },
  CF_HTTP_MALFORMED: { status: 400, doc: 'The request is not well-formed HTTP/1.1.' },
  CF_REQUEST_TIMEOUT: {
    status: 408,
    doc: 'The client took longer than the header or request timeout to send its request.',
  },
  CF_SHUTTING_DOWN: { status: 503, doc: 'The instance is shutting down; send the request to another instance.' },
  CF_AUTH_RATE_LIMITED: {
    status: 429,
    doc: 'Too many failed admin authentications from this client address; retry after the Retry-After seconds.',
  },

  // ---- release flow: environments, site keys, change requests ----
  CF_ENVIRONMENT_UNKNOWN: {
    status: 404,
    doc: 'No environment has this name (CLAIMFLOW_ENVIRONMENTS lists them); the field is named.',
  },
  CF_SITE_KEY_INVALID: {
    status: 401,
    doc: 'The site key (x-claimflow-site-key header or siteKey query parameter) is unknown or revoked.',
  },
  CF_SITE_KEY_NOT_FOUND: { status: 404, doc: 'No site key has this id (or it is already revoked).' },
  CF_CHANGE_REQUEST_NOT_FOUND: { status: 404, doc: 'No change request has this id.' },
  CF_CHANGE_REQUEST_CLOSED: {
    status: 409,
    doc: 'The change request is no longer open (approved, rejected, withdrawn, applied or failed).',
  },
  CF_CHANGE_REQUEST_STALE: {
    status: 409,
    doc: 'The version live in the environment changed since the change request was opened; refresh it before approving.',
  },
  CF_APPROVAL_FORBIDDEN: {
    status: 403,
    doc: 'This user may not approve or reject the change request (the author, or already approved); the reason is given.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Codes that were once used and must never be reused for another meaning. */
export const RETIRED_CODES: readonly string[] = [
  // never raised: a draft's unconnected branch gives a decision of null with `deadEnd`, not an error
  'CF_EVAL_DEAD_END',
  // never raised: facts are built by decisionFacts, never parsed from outside
  'CF_EVAL_FACTS_INVALID',
];

/** Where in an input a problem sits: a node, an edge, a field (dot path), a claim, a case. */
export interface ErrorLocation {
  nodeId?: string;
  edgeId?: string;
  field?: string;
  claim?: string;
  caseName?: string;
}

/**
 * An error caused by untrusted input (graphs, tokens, requests). Programming mistakes throw TypeError instead.
 * @example throw new ClaimflowError('CF_FEATURE_NOT_FOUND', 'No feature "paywall"', { field: 'feature' })
 */
export class ClaimflowError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly location: ErrorLocation;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, details?: unknown) {
    super(message);
    this.name = 'ClaimflowError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.location = location;
    this.details = details;
  }
}

/** True when `value` is a ClaimflowError (also across module copies). */
export function isClaimflowError(value: unknown): value is ClaimflowError {
  return value instanceof ClaimflowError || (value instanceof Error && value.name === 'ClaimflowError');
}
