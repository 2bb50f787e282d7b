// Jest over the TypeScript sources, with JupyterLab's preset (ES modules of
// @jupyterlab/* and friends must be transformed, not ignored).
const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft/fast',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  // A venv or a built labextension inside the repo would collide with src/ names.
  modulePathIgnorePatterns: [
    '<rootDir>/.venv',
    '<rootDir>/model_catalog_ext/labextension',
    '<rootDir>/ui-tests'
  ]
};
