/** The UI benchmark: the normal UI-test setup, on a catalog seeded with 100,000 models. */
const base = require('./playwright.config');

module.exports = {
  ...base,
  testDir: './benchmarks',
  retries: 0,
  outputDir: 'test-results/benchmark',
  webServer: {
    ...base.webServer,
    env: {
      ...process.env,
      MODEL_CATALOG_UI_HOME: process.env.MODEL_CATALOG_UI_HOME || '/tmp/mc-bench',
      MODEL_CATALOG_UI_SEED: '0'
    }
  }
};
