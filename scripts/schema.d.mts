// Types of scripts/schema.mjs for the tests that import it.
export const ROOT: string;
export function configJsonSchema(): Record<string, unknown>;
export function policyJsonSchema(): Record<string, unknown>;
export function configReference(): string;
export function policyReference(): string;
export function generated(): Record<string, string>;
