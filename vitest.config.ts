import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests run real containers on a 2-core machine: one file at a time.
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 900_000 } },
    ],
  },
});
