import { defineConfig } from 'vitest/config';

// One run covers every tier; e2e files start the rig themselves and say what they skip.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
