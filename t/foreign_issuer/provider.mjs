// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// node-oidc-provider 9.13.3 as an OAuth issuer foreign to mod_oauth2, for
// the resource server's "tokens from other issuers" tests. Driven by
// t/foreign.py (ForeignIssuer); nothing here is meant for anything else.
//
// Usage: node provider.mjs < config.json
// Environment: OA2_NODE_MODULES, where npm ci put oidc-provider.
// The configuration is one JSON object on stdin (stdin, not argv: it holds
// private keys and secrets that ps would show):
//   port        listen on 127.0.0.1:port; 0 picks a free one. The issuer
//               is http://127.0.0.1:PORT
//   keys        private JWKs (EC P-256 or RSA), each with kid and alg, at
//               least one (with none every client is refused, as its ID
//               token alg has no key; an empty JWKS is hostile.py's job);
//               keys[0] signs the JWT access tokens unless a resource
//               names an alg (then the first key of that alg) or a kid
//   clients     [{client_id, client_secret, grant_types?, scope?,
//               token_endpoint_auth_method?}]; default grant_types
//               ["client_credentials"], auth client_secret_basic
//   resources   {indicator: {format: "jwt"|"opaque", scope: "a b",
//               audience? (default the indicator), alg?, kid?, ttl?}}
//   default_resource  the resource of a token request without one (null:
//               none, the token is opaque and has no aud)
//   scopes      the provider's static scopes: the only ones a token
//               request without a resource keeps (default: every scope
//               of every resource)
//   introspectors  client_ids allowed to introspect and revoke tokens of
//               other clients (every other client only its own)
//   ttl         access token lifetime in seconds (default 600)
//   cache_control  {path: value}: a Cache-Control header to set on the
//               response of that path (e.g. "/jwks"); default none
//
// Prints one JSON line on stdout when listening: {port, issuer, jwks_uri,
// metadata_url, pid}. Errors the provider meets go to stderr.
// Test-only routes beside the provider's: GET /__counts answers how many
// requests each path got (query string dropped, /__counts itself not
// counted); DELETE /__counts resets them. /.well-known/oauth-authorization-
// server answers what the OIDC discovery document does (RFC 8414's path).
// SIGTERM (or SIGINT) closes the listener and every connection and exits 0.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const config = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const { default: Provider, errors } = await import(pathToFileURL(
  join(process.env.OA2_NODE_MODULES, 'oidc-provider', 'lib', 'index.js')).href);

const keys = config.keys || [];
const resources = config.resources || {};
const introspectors = new Set(config.introspectors || []);
const cacheControl = config.cache_control || {};
const allScopes = new Set();
for (const rs of Object.values(resources)) {
  for (const s of (rs.scope || '').split(' ')) if (s) allScopes.add(s);
}

const clients = (config.clients || []).map((c) => ({
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
  // no browser flows: a client without these is one of client_credentials
  response_types: [],
  redirect_uris: [],
}));

// The JWT signing settings of a resource: keys[0] unless it says otherwise
// (the provider itself would take the first key of the client's ID token
// alg, RS256 by default, which an EC-only key set does not have).
function signing(rs) {
  if (rs.kid || rs.alg) {
    const key = keys.find((k) => (rs.kid ? k.kid === rs.kid : k.alg === rs.alg));
    return { alg: rs.alg || key?.alg, kid: rs.kid };
  }
  return { alg: keys[0]?.alg, kid: keys[0]?.kid };
}

const counts = {};
let handle = null;
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/__counts') {
    if (req.method === 'DELETE') {
      for (const k of Object.keys(counts)) delete counts[k];
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  counts[path] = (counts[path] || 0) + 1;
  handle(req, res);
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(config.port || 0), '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients,
  // the clients' ID token alg is checked against the keys even though no
  // ID token is ever issued: RS256 (the default) fails an EC-only set
  clientDefaults: { id_token_signed_response_alg: keys[0]?.alg || 'RS256' },
  jwks: { keys },
  scopes: config.scopes || [...allScopes],
  // client_credentials has no end-user; this only silences the notice
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  ttl: {
    ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL
      || config.ttl || 600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      async allowedPolicy(ctx, client, token) {
        return introspectors.has(client.clientId) || token.clientId === client.clientId;
      },
    },
    revocation: {
      enabled: true,
      async allowedPolicy(ctx, client, token) {
        return introspectors.has(client.clientId) || token.clientId === client.clientId;
      },
    },
    resourceIndicators: {
      enabled: true,
      async defaultResource(ctx, client, oneOf) {
        return oneOf || config.default_resource || undefined;
      },
      async getResourceServerInfo(ctx, indicator) {
        const rs = resources[indicator];
        if (!rs) throw new errors.InvalidTarget();
        const info = {
          scope: rs.scope || '',
          audience: rs.audience || indicator,
          accessTokenFormat: rs.format || 'jwt',
        };
        if (rs.ttl) info.accessTokenTTL = rs.ttl;
        if (info.accessTokenFormat === 'jwt') info.jwt = { sign: signing(rs) };
        return info;
      },
    },
  },
});

for (const event of ['server_error', 'grant.error', 'introspection.error',
  'revocation.error', 'jwks.error', 'discovery.error']) {
  // a client's mistake in one line, the provider's own with its stack
  provider.on(event, (ctx, err) => {
    console.error(`${event}: ${event === 'server_error' ? err?.stack
      : `${err?.error || err}: ${err?.error_description || ''}`}`);
  });
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/.well-known/oauth-authorization-server') {
    ctx.path = '/.well-known/openid-configuration';
  }
  await next();
  const value = cacheControl[ctx.path];
  if (value) ctx.set('Cache-Control', value);
});

handle = provider.callback();
console.log(JSON.stringify({
  port,
  issuer,
  jwks_uri: `${issuer}/jwks`,
  metadata_url: `${issuer}/.well-known/openid-configuration`,
  pid: process.pid,
}));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
