import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant: the in-process tiers (unit tests of src/ and the rig's own
// tests of its refusal logic). Tiers that run the built bundles or docker cannot see a mutant in the
// sandbox's sources, so they would only cost time.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/harness/aws/*.test.ts', 'test/harness/rig.test.ts', 'test/harness/registry*.test.ts'],
    exclude: ['test/unit/tools/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
