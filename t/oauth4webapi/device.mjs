// SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
// A device (RFC 8628) made of npm's oauth4webapi, run by
// t/test_980_device.py: it asks the device authorization endpoint of the
// authorization server at ISSUER for codes, prints them as one JSON line
// {user_code, verification_uri, verification_uri_complete, interval}
// (someone else approves them in a browser meanwhile), polls the token
// endpoint as RFC 8628 §3.5 says (authorization_pending: again after
// interval; slow_down: 5 seconds more), then GETs RESOURCE with the access
// token. Prints one JSON object: {tokens, polls, resource: {status,
// body}} or {error: {name, code, message}}.
//
// Environment: OA2_NODE_MODULES, ISSUER, CLIENT_ID, CLIENT_SECRET
// (client_secret_basic; empty: a public client), SCOPE, RESOURCE.
import { discover, env, insecure, oauth, run, secretAuth } from './common.mjs';

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

async function main() {
    const as = await discover('oauth2');
    const client = { client_id: env.CLIENT_ID };
    const auth = secretAuth();

    const device = await oauth.processDeviceAuthorizationResponse(
        as, client, await oauth.deviceAuthorizationRequest(
            as, client, auth, { scope: env.SCOPE }, insecure));
    process.stdout.write(JSON.stringify({
        user_code: device.user_code,
        verification_uri: device.verification_uri,
        verification_uri_complete: device.verification_uri_complete,
        interval: device.interval }) + '\n');

    let interval = device.interval ?? 5;
    const polls = [];
    let result;
    for (;;) {
        await sleep(interval);
        try {
            result = await oauth.processDeviceCodeResponse(
                as, client, await oauth.deviceCodeGrantRequest(
                    as, client, auth, device.device_code, insecure));
            polls.push('ok');
            break;
        } catch (e) {
            if (!(e instanceof oauth.ResponseBodyError)) {
                throw e;
            }
            polls.push(e.error);
            if (e.error === 'slow_down') {
                interval += 5;
            } else if (e.error !== 'authorization_pending') {
                throw e;
            }
        }
    }
    const r = await oauth.protectedResourceRequest(
        result.access_token, 'GET', new URL(env.RESOURCE), undefined,
        undefined, insecure);
    return { tokens: result, polls,
             resource: { status: r.status, body: await r.text() } };
}

await run(main);
