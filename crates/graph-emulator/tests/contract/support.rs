//! The seed, a bare HTTP Graph caller with a ready token, and the shape check.

use meetflow_graph_emulator::{ControlClient, Emulator, EmulatorHandle, Seed, SeedTenant};
use serde_json::{Value, json};

pub const TENANT: &str = "909c6581-5130-43e9-88f3-fcb3582cde37";
pub const CLIENT_ID: &str = "4a1c7e0b-0000-4000-8000-0000000000aa";
pub const SECRET: &str = "contract-secret";
pub const ORGANIZER: &str = "dc17674c-81d9-4adb-bfb2-8f6a442e4622";
pub const UPN: &str = "AlexW@contoso.onmicrosoft.com";
pub const CLIENT_REQUEST_ID: &str = "7b5b5d04-3a0e-4b6b-9d8f-000000000001";
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Every path of `documented` must exist in `actual` with a compatible type.
pub fn assert_shape(documented: &Value, actual: &Value, path: &str) {
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

/// A Graph call's status, headers and JSON body (null when the body is not JSON).
pub type Answer = (u16, reqwest::header::HeaderMap, Value);

pub struct Graph {
    pub emulator: EmulatorHandle,
    pub control: ControlClient,
    pub http: reqwest::Client,
    pub token: String,
}

impl Graph {
    pub async fn start() -> Self {
        let seed = Seed::default().tenant(
            SeedTenant::new(TENANT)
                .app(CLIENT_ID, SECRET)
                .organizer(ORGANIZER, UPN),
        );
        let emulator = Emulator::start("127.0.0.1:0".parse().unwrap(), seed)
            .await
            .unwrap();
        let (_, token) = emulator
            .request_token(TENANT, CLIENT_ID, SECRET, SCOPE)
            .await;
        let token = token["access_token"].as_str().unwrap().to_owned();
        Self {
            control: emulator.control(),
            emulator,
            http: reqwest::Client::new(),
            token,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}v1.0/{path_and_query}", self.emulator.base_url())
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, self.url(path_and_query))
            .bearer_auth(&self.token)
            .header("client-request-id", CLIENT_REQUEST_ID);
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

    /// The docs' "create and enable an online meeting" request (time zone changed to UTC, the
    /// one the emulator understands), without checking the answer.
    pub async fn post_online_event(&self) -> Answer {
        self.call(
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
        .await
    }

    /// [`Graph::post_online_event`], which must succeed: the created event.
    pub async fn create_online_event(&self) -> Value {
        let (status, _, body) = self.post_online_event().await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// A meeting lookup that matches nothing: the cheapest authenticated Graph call.
    pub async fn probe(&self) -> Answer {
        let path = format!(
            "users/{ORGANIZER}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{}'",
            encode("https://teams.microsoft.com/l/meetup-join/none")
        );
        self.call(reqwest::Method::GET, &path, None).await
    }
}

pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
