// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// An OpenID Connect relying party made of npm's oauth4webapi, run by
// t/test_820_openid_clients.py (run_node_client): the code flow with
// PKCE and a nonce against the provider at ISSUER.
//
// Environment: OA2_NODE_MODULES (where npm ci put oauth4webapi), ISSUER,
// CLIENT_ID, CLIENT_SECRET (client_secret_basic; empty: a public client,
// its client_id alone), REDIRECT_URI, NONCE (sent when not empty),
// EXPECT_NONCE (the nonce to demand instead of the one sent),
// EXPECT_CLIENT_ID (validate the token response as this client instead:
// an ID token of another client), PAR (not empty: push the authorization
// request first, RFC 9126, and send only client_id and request_uri).
//
// Prints one JSON line {issuer, authorization_url, par}, reads the callback
// URL (the redirect the browser got) from stdin, then prints one JSON
// object: {claims, userinfo, tokens} or {error: {name, code, claim,
// message}} when oauth4webapi refused something.
import {
    discover, env, insecure, oauth, readLine, run, secretAuth,
} from './common.mjs';

async function main() {
    const as = await discover('oidc');
    const client = { client_id: env.CLIENT_ID };
    const auth = secretAuth();

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', env.REDIRECT_URI);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid email profile');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge',
                         await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (env.NONCE) {
        url.searchParams.set('nonce', env.NONCE === 'fresh'
            ? oauth.generateRandomNonce() : env.NONCE);
    }
    const sent = url.searchParams.get('nonce');
    let par = null;
    if (env.PAR) {
        // the parameters go to the pushed authorization request endpoint;
        // the browser gets client_id and request_uri alone
        par = await oauth.processPushedAuthorizationResponse(
            as, client, await oauth.pushedAuthorizationRequest(
                as, client, auth, url.searchParams, insecure));
        url.search = '';
        url.searchParams.set('client_id', client.client_id);
        url.searchParams.set('request_uri', par.request_uri);
    }
    process.stdout.write(JSON.stringify({
        issuer: as.issuer, authorization_url: url.href, par }) + '\n');

    const callback = await readLine();

    // state, iss (RFC 9207: the metadata says it is sent), error
    const params = oauth.validateAuthResponse(as, client, new URL(callback),
                                              state);
    const response = await oauth.authorizationCodeGrantRequest(
        as, client, auth, params, env.REDIRECT_URI, verifier, insecure);
    const validator = env.EXPECT_CLIENT_ID
        ? { client_id: env.EXPECT_CLIENT_ID } : client;
    const result = await oauth.processAuthorizationCodeResponse(
        as, validator, response, {
            expectedNonce: env.EXPECT_NONCE || sent || oauth.expectNoNonce,
            requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result);

    const info = await oauth.processUserInfoResponse(
        as, client, claims.sub,
        await oauth.userInfoRequest(as, client, result.access_token,
                                    insecure));
    return {
        claims,
        userinfo: info,
        tokens: {
            access_token: result.access_token,
            refresh_token: result.refresh_token,
            id_token: result.id_token,
        },
    };
}

await run(main);
