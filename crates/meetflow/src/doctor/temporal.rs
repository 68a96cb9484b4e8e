//! Temporal: the namespace answers, and the search attributes the workflows upsert are
//! registered in it with the type they are written as.

use std::time::Duration;

use meetflow_config::Config;
use meetflow_workflows::search;
use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::{
    enums::v1::IndexedValueType, operatorservice::v1::ListSearchAttributesRequest,
    workflowservice::v1::DescribeNamespaceRequest,
};

use super::Check;

const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// "temporal" and "search attributes"; the second is skipped when the first fails.
pub async fn check(config: &Config) -> Vec<Check> {
    let client = match tokio::time::timeout(
        CALL_TIMEOUT,
        crate::connect::client(config, &crate::connect::identity("doctor")),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return unreachable(format!("{e:#}")),
        Err(_) => return unreachable(format!("no answer within {CALL_TIMEOUT:?}")),
    };
    let namespace = client.options().namespace.clone();
    let described = tokio::time::timeout(
        CALL_TIMEOUT,
        client
            .connection()
            .workflow_service()
            .describe_namespace(tonic::Request::new(DescribeNamespaceRequest {
                namespace: namespace.clone(),
                ..Default::default()
            })),
    )
    .await;
    let temporal = match described {
        Ok(Ok(_)) => Check::ok("temporal", format!("namespace {namespace} answers")),
        Ok(Err(status)) if status.code() == tonic::Code::NotFound => {
            return vec![
                Check::fail(
                    "temporal",
                    format!("namespace {namespace} does not exist"),
                    format!(
                        "create it (temporal operator namespace create --namespace {namespace}) \
                         or set temporal.namespace / TEMPORAL_NAMESPACE"
                    ),
                ),
                Check::skip("search attributes", "needs the namespace"),
            ];
        }
        Ok(Err(status)) => return unreachable(format!("describe namespace: {}", status.message())),
        Err(_) => {
            return unreachable(format!(
                "describe namespace: no answer within {CALL_TIMEOUT:?}"
            ));
        }
    };
    let listed = tokio::time::timeout(
        CALL_TIMEOUT,
        client
            .connection()
            .operator_service()
            .list_search_attributes(tonic::Request::new(ListSearchAttributesRequest {
                namespace: namespace.clone(),
            })),
    )
    .await;
    let registered = match listed {
        Ok(Ok(r)) => r.into_inner().custom_attributes,
        Ok(Err(status)) => {
            return vec![
                temporal,
                Check::fail(
                    "search attributes",
                    format!("list search attributes: {}", status.message()),
                    "let meetflow's Temporal identity read the namespace's search attributes",
                ),
            ];
        }
        Err(_) => {
            return vec![
                temporal,
                Check::fail(
                    "search attributes",
                    format!("list search attributes: no answer within {CALL_TIMEOUT:?}"),
                    "check the Temporal server's health",
                ),
            ];
        }
    };
    vec![temporal, search_attributes(&namespace, &registered)]
}

fn unreachable(detail: String) -> Vec<Check> {
    vec![
        Check::fail(
            "temporal",
            detail,
            "check temporal.address (or TEMPORAL_ADDRESS), TLS and the API key, and that the \
             server is up",
        ),
        Check::skip("search attributes", "needs Temporal"),
    ]
}

/// Each of [`search::REGISTRATION`] present with its type; the fix registers what is missing or
/// names what has the wrong type.
fn search_attributes(
    namespace: &str,
    registered: &std::collections::HashMap<String, i32>,
) -> Check {
    let type_of = |name: &str| {
        registered
            .get(name)
            .and_then(|t| IndexedValueType::try_from(*t).ok())
            .map(|t| {
                t.as_str_name()
                    .trim_start_matches("INDEXED_VALUE_TYPE_")
                    .to_owned()
            })
    };
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for (name, kind) in search::REGISTRATION {
        match type_of(name) {
            None => missing.push((name, kind)),
            Some(t) if !t.eq_ignore_ascii_case(kind) => {
                wrong.push(format!("{name} is {t}, needs {kind}"));
            }
            Some(_) => {}
        }
    }
    let all: Vec<String> = search::REGISTRATION
        .iter()
        .map(|(name, kind)| format!("{name} ({kind})"))
        .collect();
    if missing.is_empty() && wrong.is_empty() {
        return Check::ok("search attributes", all.join(", "));
    }
    let mut problems: Vec<String> = missing
        .iter()
        .map(|(name, _)| format!("{name} is not registered"))
        .collect();
    problems.extend(wrong.iter().cloned());
    let fix = if missing.is_empty() {
        format!(
            "a search attribute's type cannot change: use a namespace where {} are Keyword",
            all.join(", ")
        )
    } else {
        let args: Vec<String> = missing
            .iter()
            .map(|(name, kind)| format!("--name {name} --type {kind}"))
            .collect();
        format!(
            "temporal operator search-attribute create --namespace {namespace} {}",
            args.join(" ")
        )
    };
    Check::fail("search attributes", problems.join("; "), fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_attribute_gets_the_command_that_registers_it() {
        let keyword = IndexedValueType::Keyword as i32;
        let mut registered = std::collections::HashMap::from([
            ("TenantId".to_owned(), keyword),
            ("AppointmentId".to_owned(), keyword),
            ("AppointmentPhase".to_owned(), keyword),
        ]);
        assert!(!search_attributes("default", &registered).failed());
        registered.remove("AppointmentPhase");
        registered.insert("TenantId".into(), IndexedValueType::Text as i32);
        let c = search_attributes("ns", &registered);
        assert_eq!(
            c.detail,
            "AppointmentPhase is not registered; TenantId is TEXT, needs Keyword"
        );
        assert_eq!(
            c.outcome,
            super::super::Outcome::Fail {
                fix: "temporal operator search-attribute create --namespace ns --name AppointmentPhase --type Keyword".into()
            }
        );
    }
}
