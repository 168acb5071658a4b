import { describe, expect, it } from "vitest";
import { classifyMetaError, META_ERROR_POLICY } from "~/.server/whatsapp/errors";
import type { RetryAdvice } from "~/.server/whatsapp/types";

describe("classifyMetaError", () => {
  // API-FACTS.md A2, retry column.
  const cases: [code: number, httpStatus: number, retry: RetryAdvice][] = [
    [130429, 400, "retry"],
    [131056, 400, "retry"],
    [131057, 400, "retry"],
    [131000, 500, "retry"],
    [1, 500, "retry"],
    [2, 503, "retry"],
    [131016, 503, "retry"],
    [133004, 503, "retry"],
    [4, 400, "retry"],
    [80007, 400, "retry"],
    [131048, 400, "retry"],
    [131049, 400, "retry_after_24h"],
    [131050, 400, "never"],
    [131047, 400, "never"],
    [131026, 400, "never"],
    [132000, 400, "never"],
    [132001, 404, "never"],
    [132015, 400, "never"],
    [132016, 400, "never"],
    [132018, 400, "never"],
    [130472, 400, "never"],
    [133010, 400, "never"],
    [368, 403, "never"],
    [190, 401, "never"],
    [100, 400, "never"],
    [0, 401, "never"],
    [10, 403, "never"],
    [131063, 400, "never"],
  ];

  it.each(cases)("code %i (HTTP %i) → %s", (code, httpStatus, retry) => {
    const result = classifyMetaError(code, httpStatus);
    expect(result.retry).toBe(retry);
    expect(result.reason).not.toBe("");
    expect(result.reason).not.toMatch(/^Meta error/);
  });

  it("gives every table row a readable reason", () => {
    for (const [code, policy] of Object.entries(META_ERROR_POLICY)) {
      expect(policy.reason.length, `code ${code}`).toBeGreaterThan(10);
    }
  });

  it("treats unknown codes as permanent with a generic reason", () => {
    expect(classifyMetaError(999_999, 400)).toEqual({ retry: "never", reason: "Meta error 999999" });
    expect(classifyMetaError(424242, null)).toEqual({ retry: "never", reason: "Meta error 424242" });
  });

  it("treats permission codes 200–299 as permanent", () => {
    expect(classifyMetaError(230, 403).retry).toBe("never");
  });

  it("retries network errors and server errors without a code", () => {
    expect(classifyMetaError(null, null).retry).toBe("retry");
    expect(classifyMetaError(null, 500).retry).toBe("retry");
    expect(classifyMetaError(null, 502).reason).toBe("Meta server error (HTTP 502)");
    expect(classifyMetaError(null, 429).retry).toBe("retry");
  });

  it("retries an unknown code on a 5xx, but trusts a known permanent code over the HTTP status", () => {
    expect(classifyMetaError(999_999, 503).retry).toBe("retry");
    expect(classifyMetaError(190, 500).retry).toBe("never");
  });

  it("does not retry a 4xx without a code", () => {
    expect(classifyMetaError(null, 400)).toEqual({ retry: "never", reason: "Meta answered HTTP 400 without an error code" });
  });
});
