'use strict';
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
