import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant: the in-process tiers (unit tests of src/ and the rig's own
// tests of its refusal logic). Tiers that run the built bundles or docker cannot see a mutant in the
// sandbox's sources, so they would only cost time; so would two of the rig's tests (registry-docker.test.ts
// waits out docker's retries, about a minute, for each mutant of the registry front; rig.test.ts runs whole
// jobs): the same refusal is checked in process (registry.test.ts over HTTP). harness/aws/ecr-images.test.ts
// stays: it pushes a few FROM scratch images per run, and removes them, so do not run the docker tiers beside
// a mutation run (the classic builder's cache lookup fails on an image removed while it looks).
// test/mutation/passes.ts narrows the set for one pass through MUTATION_TEST_SET (test files, comma-separated): Stryker's own testFiles option would make it
// activate a static mutant only after the modules are loaded, so the mutant would never run.
const only = process.env.MUTATION_TEST_SET;

/** Left out of every pass, the static one too (whose sets are file-name globs: registry*.test.ts). */
export const LEFT_OUT = ['test/harness/registry-docker.test.ts', 'test/harness/rig.test.ts'];

export default defineConfig({
  test: {
    include: only ? only.split(',') : ['test/unit/**/*.test.ts', 'test/harness/aws/*.test.ts', 'test/harness/registry.test.ts'],
    exclude: ['test/unit/tools/**', ...LEFT_OUT],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
