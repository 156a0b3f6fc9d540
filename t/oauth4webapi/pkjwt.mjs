// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// A confidential client of npm's oauth4webapi that authenticates with
// private_key_jwt (RFC 7523 §2.2: oauth.PrivateKeyJwt), run by
// t/test_970_private_key_jwt.py: the code flow with PKCE (optionally
// pushed first, RFC 9126), a refresh, or the client_credentials grant;
// then introspection and revocation, each with a new assertion.
//
// Environment: OA2_NODE_MODULES (where npm ci put oauth4webapi), ISSUER,
// CLIENT_ID, PRIVATE_KEY (the client's private key, PKCS#8 DER in base64),
// ALG (ES256 or RS256), KID (the key's kid; empty: the header has none),
// MODE (code or client_credentials), REDIRECT_URI and PAR (not empty: push
// the authorization request) for the code flow.
//
// MODE code prints one JSON line {authorization_url}, reads the callback
// URL from stdin; then, and straight away for client_credentials, prints
// one JSON object {tokens, refreshed, introspection, revoked} or {error:
// {name, code, status, message}} when something was refused.
import { discover, env, insecure, oauth, readLine, run } from './common.mjs';

async function privateKey() {
    const der = Buffer.from(env.PRIVATE_KEY, 'base64');
    const algorithm = env.ALG === 'RS256'
        ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
        : { name: 'ECDSA', namedCurve: 'P-256' };
    return crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

async function afterwards(as, client, auth, result) {
    // introspection and revocation, each with an assertion of its own
    const introspection = await oauth.processIntrospectionResponse(
        as, client, await oauth.introspectionRequest(
            as, client, auth, result.access_token, insecure));
    await oauth.processRevocationResponse(await oauth.revocationRequest(
        as, client, auth, result.refresh_token || result.access_token,
        insecure));
    return { introspection, revoked: true };
}

async function main() {
    const as = await discover('oauth2');
    const client = { client_id: env.CLIENT_ID };
    const key = { key: await privateKey() };
    if (env.KID) {
        key.kid = env.KID;
    }
    const auth = oauth.PrivateKeyJwt(key);

    if (env.MODE === 'client_credentials') {
        const result = await oauth.processClientCredentialsResponse(
            as, client, await oauth.clientCredentialsGrantRequest(
                as, client, auth, new URLSearchParams({ scope: 'read' }),
                insecure));
        return { tokens: result, ...await afterwards(as, client, auth,
                                                     result) };
    }

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', env.REDIRECT_URI);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'read');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge',
                         await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (env.PAR) {
        const par = await oauth.processPushedAuthorizationResponse(
            as, client, await oauth.pushedAuthorizationRequest(
                as, client, auth, url.searchParams, insecure));
        url.search = '';
        url.searchParams.set('client_id', client.client_id);
        url.searchParams.set('request_uri', par.request_uri);
    }
    process.stdout.write(JSON.stringify({
        authorization_url: url.href }) + '\n');

    const callback = await readLine();

    const params = oauth.validateAuthResponse(as, client, new URL(callback),
                                              state);
    const result = await oauth.processAuthorizationCodeResponse(
        as, client, await oauth.authorizationCodeGrantRequest(
            as, client, auth, params, env.REDIRECT_URI, verifier, insecure));
    const refreshed = await oauth.processRefreshTokenResponse(
        as, client, await oauth.refreshTokenGrantRequest(
            as, client, auth, result.refresh_token, insecure));
    return { tokens: result, refreshed,
             ...await afterwards(as, client, auth, refreshed) };
}

await run(main);
