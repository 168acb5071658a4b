import type { RetryAdvice } from "./types";

export interface ErrorPolicy {
  retry: RetryAdvice;
  /** Readable English for the message log; never contains recipient data. */
  reason: string;
}

// Meta's error codes and what to do about them (API-FACTS.md A2, from Meta's error-codes page).
// Meta asks to build logic on the code, not on titles or the HTTP status, so this table is the policy.
export const META_ERROR_POLICY: Readonly<Record<number, ErrorPolicy>> = {
  // Temporary: back off and try again.
  130429: { retry: "retry", reason: "Cloud API throughput limit reached" },
  131056: { retry: "retry", reason: "Too many messages to the same recipient in a short time (pair rate limit)" },
  131057: { retry: "retry", reason: "Business account is in maintenance mode" },
  131000: { retry: "retry", reason: "Something went wrong at Meta (unknown error)" },
  1: { retry: "retry", reason: "Meta API unknown error" },
  2: { retry: "retry", reason: "Meta API service temporarily unavailable" },
  131016: { retry: "retry", reason: "WhatsApp service temporarily unavailable" },
  133004: { retry: "retry", reason: "WhatsApp server temporarily unavailable" },
  4: { retry: "retry", reason: "App API-call rate limit reached" },
  80007: { retry: "retry", reason: "WhatsApp Business Account rate limit reached" },
  // Meta's action is "back off and check quality", i.e. a later retry, not a permanent failure.
  131048: { retry: "retry", reason: "Spam rate limit hit: too many messages blocked or flagged" },

  // Per-user marketing limit: Meta says wait at least 24 hours before sending the template again.
  131049: { retry: "retry_after_24h", reason: "Not delivered to maintain healthy ecosystem engagement (per-user marketing limit)" },

  // Permanent for this message: a retry would fail the same way.
  131050: { retry: "never", reason: "Recipient stopped marketing messages from this business" },
  131047: { retry: "never", reason: "More than 24 hours since the recipient last replied; only templates allowed" },
  131026: { retry: "never", reason: "Message undeliverable (not a WhatsApp user, terms not accepted or outdated app)" },
  131051: { retry: "never", reason: "Unsupported message type" },
  131052: { retry: "never", reason: "Media sent by the user could not be downloaded" },
  131053: { retry: "never", reason: "Media upload failed (check media type, size and URL)" },
  131031: { retry: "never", reason: "Business account restricted or disabled, or account data mismatch" },
  131042: { retry: "never", reason: "Problem with the business account's payment method" },
  131063: { retry: "never", reason: "Marketing templates are disabled on Cloud API for this account" },
  131064: { retry: "never", reason: "Messaging limited because of template classification violations" },
  131008: { retry: "never", reason: "A required parameter is missing" },
  131009: { retry: "never", reason: "A parameter value is invalid" },
  132000: { retry: "never", reason: "Number of template parameters does not match the template" },
  132001: { retry: "never", reason: "Template does not exist in this language or is not approved" },
  132005: { retry: "never", reason: "Translated template text is too long" },
  132012: { retry: "never", reason: "Template parameter values are formatted incorrectly" },
  132015: { retry: "never", reason: "Template is paused because of low quality" },
  132016: { retry: "never", reason: "Template is permanently disabled" },
  132018: { retry: "never", reason: "Template component parameters are invalid" },
  133010: { retry: "never", reason: "Business phone number is not registered on the WhatsApp platform" },
  130472: { retry: "never", reason: "Recipient's number is part of a Meta experiment" },
  130497: { retry: "never", reason: "Business account may not message users in this country" },
  368: { retry: "never", reason: "Business account restricted for a policy violation" },
  190: { retry: "never", reason: "WhatsApp access token expired or invalid" },
  100: { retry: "never", reason: "Invalid or unsupported request parameter" },
  0: { retry: "never", reason: "Meta authentication failed" },
  3: { retry: "never", reason: "App lacks the capability for this API call" },
  10: { retry: "never", reason: "Permission denied for this API call" },
};

function isPermissionCode(code: number): boolean {
  return code >= 200 && code <= 299;
}

/** What Meta's error code means and whether sending again can help. */
export function classifyMetaError(code: number | null, httpStatus: number | null): ErrorPolicy {
  if (code === null) return classifyWithoutCode(httpStatus);

  const known = META_ERROR_POLICY[code];
  if (known) return known;
  if (isPermissionCode(code)) return { retry: "never", reason: `Permission error ${code} from Meta` };
  // An unknown code on a server error is still a server error; otherwise assume it is permanent.
  if (httpStatus !== null && httpStatus >= 500) return { retry: "retry", reason: `Meta error ${code} (HTTP ${httpStatus})` };
  return { retry: "never", reason: `Meta error ${code}` };
}

function classifyWithoutCode(httpStatus: number | null): ErrorPolicy {
  if (httpStatus === null) return { retry: "retry", reason: "Network error or timeout reaching Meta" };
  if (httpStatus >= 500) return { retry: "retry", reason: `Meta server error (HTTP ${httpStatus})` };
  if (httpStatus === 429) return { retry: "retry", reason: "Meta rate limit (HTTP 429)" };
  return { retry: "never", reason: `Meta answered HTTP ${httpStatus} without an error code` };
}
