//! The token endpoint: the documented success and error responses, secrets in the form or
//! HTTP Basic.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn token_response_and_errors_match_the_identity_platform() {
    let g = Graph::start().await;
    // entra-docs v2-oauth2-client-creds-grant-flow.md, "Successful response example".
    let documented = json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1uQ19WWmNBVGZNNXBP..."});
    let (basic_ok, ok): (u16, Value) = {
        let r = g
            .http
            .post(g.emulator.token_url(TENANT))
            .basic_auth(CLIENT_ID, Some(SECRET))
            .form(&[("scope", SCOPE), ("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    };
    assert_eq!(
        basic_ok, 200,
        "HTTP Basic client authentication is accepted"
    );
    assert_shape(&documented, &ok, "token");

    // Same doc, "Error response example".
    let documented_error = json!({
        "error": "invalid_scope",
        "error_description": "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://foo.microsoft.com/.default is not valid.\r\nTrace ID: 255d1aef-8c98-452f-ac51-23d051240864\r\nCorrelation ID: fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7\r\nTimestamp: 2016-01-09 02:02:12Z",
        "error_codes": [70011],
        "timestamp": "2016-01-09 02:02:12Z",
        "trace_id": "255d1aef-8c98-452f-ac51-23d051240864",
        "correlation_id": "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7"
    });
    let cases: [(&str, &str, &str, &str, u16, &str, u64); 4] = [
        (
            TENANT,
            CLIENT_ID,
            SECRET,
            "https://graph.microsoft.com/User.Read",
            400,
            "invalid_scope",
            1002012,
        ),
        (
            TENANT,
            CLIENT_ID,
            "nope",
            SCOPE,
            401,
            "invalid_client",
            7000215,
        ),
        (
            TENANT,
            "00000000-0000-4000-8000-000000000000",
            SECRET,
            SCOPE,
            400,
            "unauthorized_client",
            700016,
        ),
        (
            "nowhere.example",
            CLIENT_ID,
            SECRET,
            SCOPE,
            400,
            "invalid_request",
            90002,
        ),
    ];
    for (tenant, client, secret, scope, status, error, code) in cases {
        let (got, body) = g
            .emulator
            .request_token(tenant, client, secret, scope)
            .await;
        assert_eq!(got, status, "{error}");
        assert_shape(&documented_error, &body, error);
        assert_eq!(body["error"], error);
        assert_eq!(body["error_codes"][0], code);
    }
}
