// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// What the oauth4webapi clients here share: the library (from
// OA2_NODE_MODULES, where npm ci put it), leave to use http on loopback,
// the authorization server at ISSUER found by its metadata, the client
// authentication of CLIENT_SECRET, a line of stdin, and the one JSON line
// each prints at the end.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const env = process.env;
export const oauth = await import(pathToFileURL(
    join(env.OA2_NODE_MODULES, 'oauth4webapi', 'build', 'index.js')).href);

// the test issuers are http loopback URLs
export const insecure = { [oauth.allowInsecureRequests]: true };

// The authorization server at ISSUER: algorithm 'oidc' reads OpenID
// discovery, 'oauth2' the RFC 8414 metadata.
export async function discover(algorithm) {
    const issuer = new URL(env.ISSUER);
    return oauth.processDiscoveryResponse(
        issuer, await oauth.discoveryRequest(issuer, {
            algorithm, ...insecure }));
}

// client_secret_basic with CLIENT_SECRET; empty: a public client, which
// sends its client_id alone.
export function secretAuth() {
    return env.CLIENT_SECRET
        ? oauth.ClientSecretBasic(env.CLIENT_SECRET) : oauth.None();
}

// The next line of stdin (the test passes the browser's callback URL).
export async function readLine() {
    const lines = createInterface({ input: process.stdin });
    const line = await new Promise((resolve) => lines.once('line', resolve));
    lines.close();
    return line;
}

// Print what main() returns, or what was refused, as one JSON line:
// {error: {name, code, claim, error, status, message}}.
export async function run(main) {
    let out;
    try {
        out = await main();
    } catch (e) {
        // a 401 comes with the server's WWW-Authenticate challenge, which
        // oauth4webapi reports before the body: read the body's error too
        let body = null;
        try {
            body = e.response ? await e.response.json() : null;
        } catch {
            body = null;
        }
        out = { error: { name: e.name, code: e.code, claim: e.cause?.claim,
                         error: e.error || body?.error, status: e.status,
                         message: e.message } };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
}
