/**
 * The frontend's own version. It must equal package.json's "version" (a jest test
 * checks it), which is also the Python package's version (hatch reads package.json).
 */
export const FRONTEND_VERSION = '0.1.0';
