//! What an admin can get wrong, as the emulator lets tests provoke it: an unknown user, a
//! revoked application permission (each workload's own 403), a revoked Teams application access
//! policy, an expired client secret. Also `GET /users/{upn}` against the docs' example.

use meetflow_graph_emulator::Permission;
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn get_user_by_upn_matches_the_docs_and_unknown_users_are_404() {
    let g = Graph::start().await;
    // api-reference/v1.0/api/user-get.md, "Get a user by userPrincipalName … with $select".
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(displayName,givenName,postalCode,identities)/$entity",
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "userPrincipalName": "AdeleV@contoso.com",
        "mail": "AdeleV@contoso.com"
    });
    let (status, _, body) = g
        .call(
            Method::GET,
            &format!("users/{UPN}?$select=id,userPrincipalName,mail"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_shape(&documented, &body, "user");
    assert_eq!(body["id"], ORGANIZER);
    assert!(body.get("displayName").is_none(), "$select is honoured");
    // By object id too.
    let (status, _, body) = g
        .call(Method::GET, &format!("users/{ORGANIZER}"), None)
        .await;
    assert_eq!(
        (status, body["userPrincipalName"].as_str()),
        (200, Some(UPN))
    );

    let (status, _, body) = g
        .call(Method::GET, "users/nobody@contoso.onmicrosoft.com", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
}

#[tokio::test]
async fn a_revoked_permission_is_a_403_on_the_routes_that_need_it_only() {
    let g = Graph::start().await;
    let event = g.create_online_event().await;
    let join = event["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let meeting_id = {
        let (_, _, found) = g
            .call(
                Method::GET,
                &format!(
                    "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
                    encode(&join)
                ),
                None,
            )
            .await;
        found["value"][0]["id"].as_str().unwrap().to_owned()
    };
    for permission in Permission::ALL {
        g.control
            .revoke_permission(TENANT, CLIENT_ID, permission)
            .await
            .unwrap();
    }
    // Tokens carry roles: the one issued before the revocation still works…
    assert_eq!(
        g.call(Method::GET, &format!("users/{UPN}"), None).await.0,
        200
    );
    // …a fresh one carries none of them.
    let (_, token) = g
        .emulator
        .request_token(TENANT, CLIENT_ID, SECRET, SCOPE)
        .await;
    let g = Graph {
        token: token["access_token"].as_str().unwrap().to_owned(),
        ..g
    };
    let (status, _, body) = g.post_online_event().await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("ErrorAccessDenied"))
    );
    let (status, _, body) = g.call(Method::GET, &format!("users/{UPN}"), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    for (collection, role) in [
        ("recordings", "OnlineMeetingRecording.Read.All"),
        ("transcripts", "OnlineMeetingTranscript.Read.All"),
    ] {
        let (status, _, body) = g
            .call(
                Method::GET,
                &format!("users/{ORGANIZER}/onlineMeetings/{meeting_id}/{collection}"),
                None,
            )
            .await;
        assert_eq!(status, 403, "{collection}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(role), "{message}");
        assert!(!message.contains("Application Access Policy"), "{message}");
    }
}

#[tokio::test]
async fn a_revoked_access_policy_and_an_expired_secret_answer_as_documented() {
    let g = Graph::start().await;
    assert_eq!(g.probe().await.0, 200);
    g.control.revoke_access_policy(TENANT, UPN).await.unwrap();
    let (status, _, body) = g.probe().await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"]["message"],
        "No Application Access Policy found for this app"
    );
    // An unknown user cannot lose a policy.
    assert!(
        g.control
            .revoke_access_policy(TENANT, "nobody@x.example")
            .await
            .is_err()
    );

    g.control.expire_secret(TENANT, CLIENT_ID).await.unwrap();
    let (status, body) = g
        .emulator
        .request_token(TENANT, CLIENT_ID, SECRET, SCOPE)
        .await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (401, Some(7000222))
    );

    // A reset restores the seed: policy and secret are back.
    g.control.reset().await.unwrap();
    let (status, _) = g
        .emulator
        .request_token(TENANT, CLIENT_ID, SECRET, SCOPE)
        .await;
    assert_eq!(status, 200);
}
