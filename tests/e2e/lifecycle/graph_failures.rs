//! A Graph failure that no retry can fix becomes a typed outcome, not a retry storm.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_403_becomes_graph_unauthorized_without_a_retry_storm() {
    let stack = Stack::start().await;
    let fault = json!({"method": "POST", "path": "/v1.0/users/*/events", "status": 403, "code": "ErrorAccessDenied",
                       "message": "Access is denied. Check credentials and try again."});
    stack.emulator.add_fault(fault).await;
    let id = "appointment/demo/deny-1";
    let s = approve_scheduled(&stack, id, &approval("demo", "deny-1")).await;
    let Some(Outcome::Failed(e)) = s.meeting.and_then(|m| m.outcome) else {
        panic!("meeting did not fail")
    };
    assert_eq!(e.code, "graph_unauthorized");
    assert!(e.message.contains("403"), "{}", e.message);
    assert!(
        e.message.to_lowercase().contains("permission")
            || e.message.to_lowercase().contains("consent"),
        "actionable: {}",
        e.message
    );
    assert_eq!(
        stack.emulator.count("POST", "/v1.0/users/").await,
        1,
        "a 403 is not retried"
    );
    assert_eq!(
        read_outbox(&stack.outbox()).unwrap().len(),
        2,
        "invitations still go out"
    );
    // Ops reads the failure, its code and that nothing fixed it, in `history`.
    let history = history_text(&stack, "demo", "deny-1").await;
    assert!(
        history.contains("Graph event create FAILED: graph_unauthorized: ")
            && history.contains("— after 1 attempt(s); not fixed"),
        "{history}"
    );
    stack.stop().await;
}
