//! Contract tests: the emulator's JSON and status codes against the examples in the Graph and
//! identity-platform documentation (microsoftgraph/microsoft-graph-docs-contrib,
//! MicrosoftDocs/entra-docs). A documented example's every field must exist in the emulator's
//! answer with the same JSON type (null is compatible with anything).

#![recursion_limit = "256"]

use meetflow_graph_emulator::{Emulator, EmulatorHandle, Seed, SeedApp, SeedTenant, SeedUser};
use serde_json::{Value, json};

const TENANT: &str = "909c6581-5130-43e9-88f3-fcb3582cde37";
const CLIENT_ID: &str = "4a1c7e0b-0000-4000-8000-0000000000aa";
const SECRET: &str = "contract-secret";
const ORGANIZER: &str = "dc17674c-81d9-4adb-bfb2-8f6a442e4622";
const UPN: &str = "AlexW@contoso.onmicrosoft.com";

fn seed() -> Seed {
    Seed {
        tenants: vec![SeedTenant {
            tenant_id: TENANT.into(),
            apps: vec![SeedApp {
                client_id: CLIENT_ID.into(),
                client_secret: SECRET.into(),
            }],
            users: vec![SeedUser {
                id: ORGANIZER.into(),
                user_principal_name: UPN.into(),
                display_name: "Alex Wilber".into(),
                mail: UPN.into(),
                online_meeting_access_policy: true,
            }],
        }],
    }
}

/// Every path of `documented` must exist in `actual` with a compatible type.
fn assert_shape(documented: &Value, actual: &Value, path: &str) {
    match (documented, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(doc), Value::Object(act)) => {
            for (key, doc_value) in doc {
                let Some(act_value) = act.get(key) else {
                    panic!("{path}.{key} is documented but missing in {actual:#}");
                };
                assert_shape(doc_value, act_value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(doc), Value::Array(act)) => {
            if let (Some(d), Some(a)) = (doc.first(), act.first()) {
                assert_shape(d, a, &format!("{path}[0]"));
            }
        }
        (d, a) => assert_eq!(
            std::mem::discriminant(d),
            std::mem::discriminant(a),
            "{path}: documented {d}, emulator {a}"
        ),
    }
}

struct Graph {
    emulator: EmulatorHandle,
    http: reqwest::Client,
    token: String,
}

impl Graph {
    async fn start() -> Self {
        let emulator = Emulator::start("127.0.0.1:0".parse().unwrap(), seed())
            .await
            .unwrap();
        let (_, token) = emulator
            .request_token(
                TENANT,
                CLIENT_ID,
                SECRET,
                "https://graph.microsoft.com/.default",
            )
            .await;
        let token = token["access_token"].as_str().unwrap().to_owned();
        Self {
            emulator,
            http: reqwest::Client::new(),
            token,
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}v1.0/{path_and_query}", self.emulator.base_url())
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .request(method, self.url(path_and_query))
            .bearer_auth(&self.token)
            .header("client-request-id", "7b5b5d04-3a0e-4b6b-9d8f-000000000001");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        self.http
            .post(self.emulator.control_url().join(path).unwrap())
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// The docs' "create and enable an online meeting" request (time zone changed to UTC, the
    /// one the emulator understands).
    async fn create_online_event(&self) -> Value {
        let (status, _, body) = self
            .call(
                reqwest::Method::POST,
                &format!("users/{UPN}/events"),
                Some(json!({
                    "subject": "Prep for customer meeting",
                    "body": {"contentType": "HTML", "content": "Does this time work for you?"},
                    "start": {"dateTime": "2019-11-20T13:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2019-11-20T14:00:00", "timeZone": "UTC"},
                    "location": {"displayName": "Cordova conference room"},
                    "attendees": [{"emailAddress": {"address": "AdeleV@contoso.OnMicrosoft.com", "name": "Adele Vance"}, "type": "required"}],
                    "allowNewTimeProposals": true,
                    "isOnlineMeeting": true,
                    "onlineMeetingProvider": "teamsForBusiness",
                    "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

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
            .form(&[
                ("scope", "https://graph.microsoft.com/.default"),
                ("grant_type", "client_credentials"),
            ])
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
            "https://graph.microsoft.com/.default",
            401,
            "invalid_client",
            7000215,
        ),
        (
            TENANT,
            "00000000-0000-4000-8000-000000000000",
            SECRET,
            "https://graph.microsoft.com/.default",
            400,
            "unauthorized_client",
            700016,
        ),
        (
            "nowhere.example",
            CLIENT_ID,
            SECRET,
            "https://graph.microsoft.com/.default",
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

#[tokio::test]
async fn created_online_event_matches_the_docs_example() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    // concepts/outlook-calendar-online-meetings.md, "Create and make meeting available as an
    // online meeting", response (body content shortened).
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('64339082-ed84-4b0b-b4ab-004ae54f3747')/events/$entity",
        "@odata.etag": "W/\"NEXywgsVrkeNsFsyVyRrtAAASBUEsA==\"",
        "id": "AAMkADAAABIGYDZAAA=",
        "createdDateTime": "2019-11-15T01:55:54.8022848Z",
        "lastModifiedDateTime": "2019-11-15T01:55:56.5162924Z",
        "changeKey": "NEXywgsVrkeNsFsyVyRrtAAASBUEsA==",
        "categories": [],
        "originalStartTimeZone": "Pacific Standard Time",
        "originalEndTimeZone": "Pacific Standard Time",
        "iCalUId": "040000008200E00074C5B7101A82E0080000000076B29D94B32CD6010000000000000000100000005F31C591C3C328459653D025BD277439",
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": "Prep for customer meeting",
        "bodyPreview": "Does this time work for you?",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": false,
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": "https://outlook.office365.com/owa/?itemid=AAMkADAABIGYDZAAA%3D&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": null,
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "allowNewTimeProposals": true,
        "recurrence": null,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": "<html>…</html>"},
        "start": {"dateTime": "2019-11-20T13:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2019-11-20T14:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Cordova conference room", "locationType": "default", "uniqueId": "Cordova conference room", "uniqueIdType": "private"},
        "attendees": [{"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}, "emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.OnMicrosoft.com"}}],
        "organizer": {"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.OnMicrosoft.com"}},
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ODkyNWFmNGYtZjBjYS00MDdlLTllOWQtN2E3MzJlNjM0ZWRj%40thread.v2/0?context=%7b%22Tid%22%3a%2298a79ebe-74bf-4e07-a017-7b410848cb32%22%2c%22Oid%22%3a%2264339082-ed84-4b0b-b4ab-004ae54f3747%22%7d", "conferenceId": "291633251", "tollNumber": "+1 323-555-0166"}
    });
    assert_shape(&documented, &created, "event");
    assert_eq!(created["start"]["dateTime"], "2019-11-20T13:00:00.0000000");
    assert_eq!(
        created["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );
    assert_eq!(
        created["@odata.etag"],
        format!("W/\"{}\"", created["changeKey"].as_str().unwrap())
    );
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();
    assert!(join_url.starts_with("https://teams.microsoft.com/l/meetup-join/19%3ameeting_"));
    assert!(join_url.contains(&format!("%22Oid%22%3a%22{ORGANIZER}%22")));
    assert!(
        created["body"]["content"]
            .as_str()
            .unwrap()
            .contains(join_url),
        "Teams join block appended"
    );
}

#[tokio::test]
async fn transaction_id_dedupe_and_event_lifecycle_status_codes() {
    let g = Graph::start().await;
    let first = g.create_online_event().await;
    let again = g.create_online_event().await;
    assert_eq!(first["id"], again["id"]);

    let (status, _, body) = g
        .call(
            reqwest::Method::POST,
            &format!("users/{UPN}/events"),
            Some(json!({"subject": "other", "start": {"dateTime": "2019-11-20T13:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2019-11-20T14:00:00", "timeZone": "UTC"}, "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "ErrorDuplicateTransactionId");

    let id = encode(first["id"].as_str().unwrap());
    let (status, _, patched) = g
        .call(
            reqwest::Method::PATCH,
            &format!("users/{ORGANIZER}/events/{id}"),
            Some(json!({"subject": "Moved"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["iCalUId"], first["iCalUId"]);
    assert_ne!(patched["changeKey"], first["changeKey"]);

    let (status, _, _) = g
        .call(
            reqwest::Method::POST,
            &format!("users/{ORGANIZER}/events/{id}/cancel"),
            Some(json!({"comment": "Cancelling for this week due to all hands"})),
        )
        .await;
    assert_eq!(status, 202, "event-cancel.md: 202 Accepted");
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let (status, _, body) = g
            .call(method, &format!("users/{ORGANIZER}/events/{id}"), None)
            .await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "ErrorItemNotFound");
    }
}

#[tokio::test]
async fn error_envelope_matches_the_docs() {
    let g = Graph::start().await;
    // concepts/errors.md, error resource type; throttling.md sample response for 429.
    let documented = json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.", "innerError": {"date": "2020-08-18T12:51:51", "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2"}}});
    g.control(
        "faults",
        json!({"path": "/v1.0/users/*", "status": 429, "retryAfter": "10", "count": 1}),
    )
    .await;
    let (status, headers, body) = g
        .call(reqwest::Method::GET, &format!("users/{ORGANIZER}"), None)
        .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "10");
    assert_shape(&documented, &body, "error");
    assert_eq!(
        body["error"]["innerError"]["client-request-id"],
        "7b5b5d04-3a0e-4b6b-9d8f-000000000001"
    );
    assert_eq!(
        headers["client-request-id"],
        "7b5b5d04-3a0e-4b6b-9d8f-000000000001"
    );
    assert_eq!(
        body["error"]["innerError"]["request-id"].as_str(),
        headers["request-id"].to_str().ok()
    );

    // Missing and garbage tokens.
    let r = g
        .http
        .get(g.url(&format!("users/{ORGANIZER}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
}

#[tokio::test]
async fn online_meeting_lookup_needs_the_documented_encoding() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();

    // onlinemeeting-get.md example 3: the join URL URL-encoded inside the quoted literal.
    let (status, _, body) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    let meeting = &body["value"][0];
    // onlinemeeting-get.md example 2 response (app token).
    let documented = json!({
        "id": "MSpkYzE3Njc0Yy04MWQiMi04ZdFpHRTNaR1F6WGhyZWFkLnYy",
        "creationDateTime": "2020-09-29T22:35:33.1594516Z",
        "startDateTime": "2020-09-29T22:35:31.389759Z",
        "endDateTime": "2020-09-29T23:35:31.389759Z",
        "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_MGQ4MDQyNTE2EtZWVkODYxODYzMmY2%40thread.v2/0?context=%7b%22Tid%22%3a%22909c6581-5130-43e9-88f3-fcb3582cde37%22%2c%22Oid%22%3a%22dc17674c-81d9-4adb-442e4622%22%7d",
        "subject": null,
        "autoAdmittedUsers": "EveryoneInCompany",
        "isEntryExitAnnounced": true,
        "allowedPresenters": "everyone",
        "videoTeleconferenceId": "(redacted)",
        "participants": {
            "organizer": {"upn": "(redacted)", "role": "presenter", "identity": {"user": {"id": "dc17674c-81d9-4adb-a442e4622", "displayName": null, "tenantId": "909c6581-5188f3-fcb3582cde38", "identityProvider": "AAD"}}},
            "attendees": [], "producers": [], "contributors": []
        },
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
        "joinMeetingIdSettings": {"isPasscodeRequired": false, "joinMeetingId": "1234567890", "passcode": null}
    });
    assert_shape(&documented, meeting, "onlineMeeting");
    assert_eq!(meeting["joinWebUrl"], join_url);

    let id = encode(meeting["id"].as_str().unwrap());
    let (status, _, by_id) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_id["id"], meeting["id"]);

    // The join URL pasted without encoding its own escapes: rejected, as Graph does.
    let single = join_url.replace('&', "%26").replace('?', "%3F");
    let (status, _, body) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{single}'"),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // No quotes (docs-contrib#716): 400 too.
    let (status, _, _) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20{}",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 400);
    // By UPN: onlineMeetings need the object id.
    let (status, _, _) = g
        .call(
            reqwest::Method::GET,
            &format!(
                "users/{UPN}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
                encode(join_url)
            ),
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn artifact_lists_and_content_match_the_docs() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let event_id = encode(created["id"].as_str().unwrap());
    g.control(&format!("meetings/{event_id}/end"), json!({}))
        .await;
    let transcript = g
        .control(
            &format!("meetings/{event_id}/artifacts"),
            json!({"kind": "transcript"}),
        )
        .await;
    g.control(
        &format!("meetings/{event_id}/artifacts"),
        json!({"kind": "recording", "sizeBytes": 1000}),
    )
    .await;
    let meeting = encode(transcript["meetingId"].as_str().unwrap());

    // onlinemeeting-list-transcripts.md response, plus the fields of resources/calltranscript.md.
    let documented = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('ba321e0d-79ee-478d-8e28-85a19507f456')/onlineMeetings('MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ')/transcripts",
        "value": [{
            "id": "MSMjMCMjZDAwYWU3NjUtNmM2Yi00NjQxLTgwMWQtMTkzMmFmMjEzNzdh",
            "meetingId": "MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ",
            "callId": "af630fe0-04d3-4559-8cf9-91fe45e36296",
            "contentCorrelationId": "bc842d7a-2f6e-4b18-a1c7-73ef91d5c8e3-0",
            "transcriptContentUrl": "https://graph.microsoft.com/v1.0/users/ba321e0d/onlineMeetings/MSo1/transcripts/MSMj/content",
            "createdDateTime": "2021-09-17T06:09:24.8968037Z",
            "endDateTime": "2021-09-17T06:27:25.2346000Z",
            "meetingOrganizer": {"application": null, "device": null, "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": "ba321e0d-79ee-478d-8e28-85a19507f456", "displayName": null, "userIdentityType": "aadUser", "tenantId": "cd209b0b-3f83-4c35-82d2-d88a61820480"}}
        }]
    });
    let (status, _, list) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(&documented, &list, "transcripts");

    // callrecording-get.md / onlinemeeting-list-recordings.md.
    let documented = json!({"value": [{
        "id": "7e31db25-bc6e-4fd8-96c7-e01264e9b6fc",
        "meetingId": "MSpiOTM1",
        "callId": "af630fe0-04d3-4559-8cf9-91fe45e36296",
        "contentCorrelationId": "bc842d7a-2f6e-4b18-a1c7-73ef91d5c8e3-0",
        "recordingContentUrl": "https://graph.microsoft.com/v1.0/users/b935e675/onlineMeetings/MSpi/recordings/7e31/content",
        "createdDateTime": "2023-03-02T21:29:11.7146412Z",
        "endDateTime": "2023-03-02T21:39:11.7146412Z",
        "meetingOrganizer": {"application": null, "device": null, "user": {"@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": "b935e675-5e67-4370-94b7-c1ebcc54b8e1", "displayName": null, "userIdentityType": "aadUser", "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34"}}
    }]});
    let (status, _, list) = g
        .call(
            reqwest::Method::GET,
            &format!("users/{ORGANIZER}/onlineMeetings/{meeting}/recordings"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_shape(&documented, &list, "recordings");

    // calltranscript-get.md: content as text/vtt.
    let tid = encode(transcript["id"].as_str().unwrap());
    let r = g
        .http
        .get(g.url(&format!(
            "users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts/{tid}/content?$format=text/vtt"
        )))
        .bearer_auth(&g.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vtt");
    assert!(r.text().await.unwrap().starts_with("WEBVTT"));
    let r = g
        .http
        .get(g.url(&format!("users/{ORGANIZER}/onlineMeetings/{meeting}/transcripts/{tid}/content?$format=application/vnd.openxmlformats-officedocument.wordprocessingml.document")))
        .bearer_auth(&g.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "docx was retired in 2023");
}

#[tokio::test]
async fn control_api_reports_requests_and_resets() {
    let g = Graph::start().await;
    g.create_online_event().await;
    let log: Value = g
        .http
        .get(g.emulator.control_url().join("requests").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "token + create; control calls are not logged");
    assert_eq!(log[0]["body"]["client_secret"], "<redacted>");
    assert_eq!(log[1]["headers"]["authorization"], "Bearer <redacted>");
    assert_eq!(log[1]["status"], 201);
    assert_eq!(
        log[1]["body"]["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );

    let since: Value = g
        .http
        .get(format!(
            "{}?since={}",
            g.emulator.control_url().join("requests").unwrap(),
            log[0]["seq"]
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(since.as_array().unwrap().len(), 1);

    let r = g
        .http
        .post(g.emulator.control_url().join("reset").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let events: Value = g
        .http
        .get(g.emulator.control_url().join("events").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(events, json!([]));
    // Tokens were forgotten too.
    let (status, _, _) = g
        .call(reqwest::Method::GET, &format!("users/{ORGANIZER}"), None)
        .await;
    assert_eq!(status, 401);
    g.emulator.shutdown().await;
}

#[test]
#[should_panic(expected = "is documented but missing")]
fn shape_check_catches_a_missing_field() {
    assert_shape(&json!({"a": {"b": 1}}), &json!({"a": {"c": 1}}), "x");
}

#[test]
#[should_panic(expected = "documented")]
fn shape_check_catches_a_wrong_type() {
    assert_shape(&json!({"a": [{"b": 1}]}), &json!({"a": [{"b": "1"}]}), "x");
}

#[tokio::test]
async fn if_match_and_mailbox_request_budget() {
    let g = Graph::start().await;
    let created = g.create_online_event().await;
    let id = encode(created["id"].as_str().unwrap());
    let patch = |etag: String| {
        let g = &g;
        let id = id.clone();
        async move {
            g.http
                .patch(g.url(&format!("users/{ORGANIZER}/events/{id}")))
                .bearer_auth(&g.token)
                .header("if-match", etag)
                .json(&json!({"subject": "Moved"}))
                .send()
                .await
                .unwrap()
        }
    };
    let stale = patch("W/\"stale\"".into()).await;
    assert_eq!(stale.status(), 412);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ErrorIrresolvableConflict");
    let current = patch(created["@odata.etag"].as_str().unwrap().to_owned()).await;
    assert_eq!(current.status(), 200);

    g.control(
        "settings",
        json!({"mailboxRequestsPerWindow": 2, "mailboxWindowSecs": 60}),
    )
    .await;
    let events = format!("users/{ORGANIZER}/events");
    assert_eq!(g.call(reqwest::Method::GET, &events, None).await.0, 200);
    assert_eq!(g.call(reqwest::Method::GET, &events, None).await.0, 200);
    let (status, headers, body) = g.call(reqwest::Method::GET, &events, None).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "ApplicationThrottled");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=61).contains(&wait), "{wait}");
    // Calls outside the mailbox's calendar do not count against its budget.
    assert_eq!(
        g.call(reqwest::Method::GET, &format!("users/{ORGANIZER}"), None)
            .await
            .0,
        200
    );
}
