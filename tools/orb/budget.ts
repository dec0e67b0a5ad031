// Size budget data: how many bytes each command's inlined run-step scripts may take in the packed orb.
// Every use of a command inlines its script again, and CircleCI refuses compiled configs over 8 MB.

/** CircleCI's limit on a compiled config (bytes). */
export const COMPILED_CONFIG_LIMIT_BYTES = 8 * 1024 * 1024;

/** Budget for every command (120 KiB): at least 68 uses then fit in a compiled config. */
export const DEFAULT_COMMAND_BUDGET_BYTES = 122_880;

/** Per-command budgets in bytes of inlined `command` text, where one differs from the default (none does). */
export const COMMAND_BUDGETS: Readonly<Record<string, number>> = {};

/** The budget that applies to one command. */
export function budgetFor(command: string): number {
  return COMMAND_BUDGETS[command] ?? DEFAULT_COMMAND_BUDGET_BYTES;
}
