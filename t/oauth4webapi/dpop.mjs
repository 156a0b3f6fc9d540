// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// A DPoP client (RFC 9449) made of npm's oauth4webapi, run by
// t/test_950_dpop.py: a key pair of its own (generateKeyPair), DPoP(client,
// keyPair) on every token request and resource request, and one retry
// when the server asks for its nonce (isDPoPNonceError: 400
// use_dpop_nonce at the token endpoint, 401 DPoP error="use_dpop_nonce"
// at the resource), as the library's documentation shows.
//
// Environment: OA2_NODE_MODULES, ISSUER, CLIENT_ID, CLIENT_SECRET (empty:
// a public client), REDIRECT_URI, MODE ("code": the code flow, then a
// refresh; "client_credentials"), SCOPE, RESOURCE (the protected URL to
// GET with each access token), ALG (ES256 or RS256), BIND (code mode:
// "jkt" sends dpop_jkt, "par" pushes the request with a proof; RFC 9449
// §10).
//
// In code mode it prints one JSON line {authorization_url} and reads the
// callback URL from stdin. At the end it prints one JSON object: {jkt,
// tokens: [{token_type, access_token, refresh_token}], resources:
// [{status, body}], retries} or {error: {name, code, error, status,
// message}} when something was refused.
import {
    discover, env, insecure, oauth, readLine, run, secretAuth,
} from './common.mjs';

let retries = 0;

// Run request() again once when the server asked for a nonce: the DPoP
// handle kept the DPoP-Nonce of the refusal and signs it now.
async function withNonce(request) {
    try {
        return await request();
    } catch (err) {
        if (!oauth.isDPoPNonceError(err)) {
            throw err;
        }
        retries++;
        return await request();
    }
}

async function main() {
    const as = await discover('oauth2');
    const client = { client_id: env.CLIENT_ID };
    const auth = secretAuth();
    const keyPair = await oauth.generateKeyPair(env.ALG || 'ES256');
    const DPoP = oauth.DPoP(client, keyPair);
    const tokens = [];
    const resources = [];

    async function resource(accessToken) {
        const response = await withNonce(() => oauth.protectedResourceRequest(
            accessToken, 'GET', new URL(env.RESOURCE), new Headers(), null,
            { DPoP, ...insecure }));
        resources.push({ status: response.status,
                         body: await response.text() });
    }

    let result;
    if (env.MODE === 'client_credentials') {
        result = await withNonce(async () =>
            oauth.processClientCredentialsResponse(
                as, client, await oauth.clientCredentialsGrantRequest(
                    as, client, auth, { scope: env.SCOPE },
                    { DPoP, ...insecure })));
    } else {
        const verifier = oauth.generateRandomCodeVerifier();
        const state = oauth.generateRandomState();
        const url = new URL(as.authorization_endpoint);
        url.searchParams.set('client_id', client.client_id);
        url.searchParams.set('redirect_uri', env.REDIRECT_URI);
        url.searchParams.set('response_type', 'code');
        url.searchParams.set('scope', env.SCOPE);
        url.searchParams.set('state', state);
        url.searchParams.set('code_challenge',
                             await oauth.calculatePKCECodeChallenge(verifier));
        url.searchParams.set('code_challenge_method', 'S256');
        if (env.BIND === 'jkt') {
            // RFC 9449 §10: the code is bound to the key named here
            url.searchParams.set('dpop_jkt', await DPoP.calculateThumbprint());
        } else if (env.BIND === 'par') {
            // RFC 9449 §10.1: the proof at the pushed authorization
            // request endpoint binds it
            const par = await withNonce(async () =>
                oauth.processPushedAuthorizationResponse(
                    as, client, await oauth.pushedAuthorizationRequest(
                        as, client, auth, url.searchParams,
                        { DPoP, ...insecure })));
            url.search = '';
            url.searchParams.set('client_id', client.client_id);
            url.searchParams.set('request_uri', par.request_uri);
        }
        process.stdout.write(JSON.stringify({
            authorization_url: url.href }) + '\n');
        const params = oauth.validateAuthResponse(
            as, client, new URL(await readLine()), state);
        result = await withNonce(async () =>
            oauth.processAuthorizationCodeResponse(
                as, client, await oauth.authorizationCodeGrantRequest(
                    as, client, auth, params, env.REDIRECT_URI, verifier,
                    { DPoP, ...insecure })));
    }
    tokens.push({ token_type: result.token_type,
                  access_token: result.access_token,
                  refresh_token: result.refresh_token });
    await resource(result.access_token);
    if (result.refresh_token) {
        const refreshed = await withNonce(async () =>
            oauth.processRefreshTokenResponse(
                as, client, await oauth.refreshTokenGrantRequest(
                    as, client, auth, result.refresh_token,
                    { DPoP, ...insecure })));
        tokens.push({ token_type: refreshed.token_type,
                      access_token: refreshed.access_token,
                      refresh_token: refreshed.refresh_token });
        await resource(refreshed.access_token);
    }
    return { jkt: await DPoP.calculateThumbprint(), tokens, resources,
             retries };
}

await run(main);
