// Size budget data: how many bytes each command's inlined run-step scripts may take in the packed orb.
// Every use of a command inlines its script again, and CircleCI refuses compiled configs over 8 MB.

/** CircleCI's limit on a compiled config (bytes). */
export const COMPILED_CONFIG_LIMIT_BYTES = 8 * 1024 * 1024;

/** Budget for a command not listed below (400 KB). */
export const DEFAULT_COMMAND_BUDGET_BYTES = 409_600;

/** Per-command budgets in bytes of inlined `command` text. */
export const COMMAND_BUDGETS: Readonly<Record<string, number>> = {
  // 400 KB for now: the bundled STS client dominates; tighten once the bundle is trimmed.
  'assume-role-with-oidc': 409_600,
};

/** The budget that applies to one command. */
export function budgetFor(command: string): number {
  return COMMAND_BUDGETS[command] ?? DEFAULT_COMMAND_BUDGET_BYTES;
}
