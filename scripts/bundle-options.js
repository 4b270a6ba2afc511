// ncc options shared by the build (scripts/build.mjs) and the licenses test, so both bundle the same modules.
'use strict';

/**
 * Actions whose bundle leaves out @actions/core's OIDC client: @actions/core loads
 * @actions/http-client (and the undici 6 it carries, ~940 KiB before minifying) at start-up only
 * for getIDToken, which none of these asks for. Evaluating it cost ~30 ms of every start (more on
 * a loaded machine) before the action's first line (issue 18 A10, B6). In its place the bundle
 * requires a stub beside it whose every use throws a sentence saying so.
 */
const WITHOUT_OIDC = new Set(['lint-gate', 'pip-audit']);

const OIDC_STUB = 'oidc-unavailable.js';

const OIDC_STUB_SOURCE = `'use strict';
// Stands in for @actions/http-client, which @actions/core loads only for getIDToken (scripts/bundle-options.js).
function unavailable() {
  throw new Error('this action is bundled without the OIDC client: core.getIDToken is not available');
}
class HttpClient {
  constructor() {
    unavailable();
  }
}
class BearerCredentialHandler {
  constructor() {
    unavailable();
  }
}
module.exports = { HttpClient, BearerCredentialHandler };
`;

/** ncc's externals for an action (by its source folder name), or undefined. */
function externalsFor(name) {
  if (!WITHOUT_OIDC.has(name)) return undefined;
  return { '@actions/http-client': `./${OIDC_STUB}`, '@actions/http-client/lib/auth': `./${OIDC_STUB}` };
}

/** Files the bundle needs beside index.js: name -> content. */
function extraFilesFor(name) {
  return WITHOUT_OIDC.has(name) ? { [OIDC_STUB]: OIDC_STUB_SOURCE } : {};
}

module.exports = { externalsFor, extraFilesFor };
