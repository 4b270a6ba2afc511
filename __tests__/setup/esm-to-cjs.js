// ts-jest under a second module path. Jest caches one transformer per module path, so the
// CommonJS settings jest.config.js gives this entry (for ESM-only conventional-commits-parser and
// the tag-release sources that load it with import()) need a path of their own.
module.exports = require('ts-jest');
